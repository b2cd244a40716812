package dev.weft.api;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link Request} that forwards every call to another; subclass it to change one answer
 * (the router adds path parameters, {@link Handlers#withBodyPolicy} swaps the policy).
 * The body slot stays the delegate's, so a body is still taken exactly once.
 *
 * <p>Threading: as the delegate.
 */
public class ForwardingRequest implements Request {
    private final Request delegate;

    /** @param delegate the request answering every call not overridden */
    protected ForwardingRequest(Request delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
    }

    /** @return the wrapped request */
    protected final Request delegate() {
        return delegate;
    }

    @Override
    public String method() {
        return delegate.method();
    }

    @Override
    public String path() {
        return delegate.path();
    }

    @Override
    public String query() {
        return delegate.query();
    }

    @Override
    public String authority() {
        return delegate.authority();
    }

    @Override
    public String scheme() {
        return delegate.scheme();
    }

    @Override
    public String protocol() {
        return delegate.protocol();
    }

    @Override
    public Headers headers() {
        return delegate.headers();
    }

    @Override
    public CommandArguments arguments() {
        return delegate.arguments();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return delegate.remoteAddress();
    }

    @Override
    public Map<String, String> pathParameters() {
        return delegate.pathParameters();
    }

    @Override
    public Body takeBody() {
        return delegate.takeBody();
    }

    @Override
    public boolean hasBody() {
        return delegate.hasBody();
    }

    @Override
    public void putBackBody(Body body) {
        delegate.putBackBody(body);
    }

    @Override
    public BodyPolicy bodyPolicy() {
        return delegate.bodyPolicy();
    }

    @Override
    public ExchangeResources resources() {
        return delegate.resources();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
