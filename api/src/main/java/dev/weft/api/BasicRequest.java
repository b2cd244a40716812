package dev.weft.api;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The plain {@link Request}: fields set once by a protocol (or a test), the body in an atomic
 * slot so that it is taken exactly once.
 *
 * <p>Threading: immutable but for the body slot, which is atomic.
 */
public final class BasicRequest implements Request {
    private final String method;
    private final String path;
    private final String query;
    private final String authority;
    private final String scheme;
    private final String protocol;
    private final Headers headers;
    private final CommandArguments arguments;
    private final InetSocketAddress remoteAddress;
    private final BodyPolicy bodyPolicy;
    private final ExchangeResources resources;
    private final AtomicReference<Body> body;

    private BasicRequest(Builder builder) {
        this.method = Objects.requireNonNull(builder.method, "method is null");
        this.path = Objects.requireNonNull(builder.path, "path is null");
        this.query = builder.query;
        this.authority = builder.authority;
        this.scheme = builder.scheme;
        this.protocol = builder.protocol;
        this.headers = builder.headers;
        this.arguments = builder.arguments;
        this.remoteAddress = builder.remoteAddress;
        this.bodyPolicy = builder.bodyPolicy;
        this.resources = builder.resources;
        this.body = new AtomicReference<>(builder.body);
    }

    /** @return a builder with an empty body, no headers, scheme {@code http} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public CommandArguments arguments() {
        return arguments;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public Body takeBody() {
        Body taken = body.getAndSet(null);
        return taken == null ? Body.empty() : taken;
    }

    @Override
    public boolean hasBody() {
        return body.get() != null;
    }

    @Override
    public void putBackBody(Body returned) {
        Objects.requireNonNull(returned, "body is null");
        if (!body.compareAndSet(null, returned)) {
            throw new IllegalStateException("a body is already waiting to be taken");
        }
    }

    @Override
    public BodyPolicy bodyPolicy() {
        return bodyPolicy;
    }

    @Override
    public ExchangeResources resources() {
        return resources;
    }

    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " (" + protocol + ")";
    }

    /** Builds a {@link BasicRequest}. One thread. */
    public static final class Builder {
        private String method = "GET";
        private String path = "/";
        private String query = "";
        private String authority = "";
        private String scheme = "http";
        private String protocol = "h2";
        private Headers headers = Headers.empty();
        private CommandArguments arguments = CommandArguments.empty();
        private InetSocketAddress remoteAddress;
        private BodyPolicy bodyPolicy = BodyPolicy.defaults();
        private ExchangeResources resources = new ExchangeResources();
        private Body body;

        private Builder() {
        }

        /** @return this, with the method */
        public Builder method(String value) {
            method = value;
            return this;
        }

        /**
         * Sets path and query from a request target such as {@code /a/b?x=1}.
         *
         * @return this
         */
        public Builder target(String target) {
            int question = target.indexOf('?');
            path = question < 0 ? target : target.substring(0, question);
            query = question < 0 ? "" : target.substring(question + 1);
            return this;
        }

        /** @return this, with the path (no query) */
        public Builder path(String value) {
            path = value;
            return this;
        }

        /** @return this, with the raw query */
        public Builder query(String value) {
            query = Objects.requireNonNull(value, "query is null");
            return this;
        }

        /** @return this, with the authority */
        public Builder authority(String value) {
            authority = Objects.requireNonNull(value, "authority is null");
            return this;
        }

        /** @return this, with the scheme */
        public Builder scheme(String value) {
            scheme = Objects.requireNonNull(value, "scheme is null");
            return this;
        }

        /** @return this, with the protocol name */
        public Builder protocol(String value) {
            protocol = Objects.requireNonNull(value, "protocol is null");
            return this;
        }

        /** @return this, with the headers */
        public Builder headers(Headers value) {
            headers = Objects.requireNonNull(value, "headers is null");
            return this;
        }

        /** @return this, with the command arguments (exact bytes) */
        public Builder arguments(CommandArguments value) {
            arguments = Objects.requireNonNull(value, "arguments is null");
            return this;
        }

        /** @return this, with the peer address */
        public Builder remoteAddress(InetSocketAddress value) {
            remoteAddress = value;
            return this;
        }

        /** @return this, with the body policy */
        public Builder bodyPolicy(BodyPolicy value) {
            bodyPolicy = Objects.requireNonNull(value, "bodyPolicy is null");
            return this;
        }

        /** @return this, with the exchange's resources (owned and closed by the caller) */
        public Builder resources(ExchangeResources value) {
            resources = Objects.requireNonNull(value, "resources is null");
            return this;
        }

        /** @return this, with the body ({@code null} for none) */
        public Builder body(Body value) {
            body = value;
            return this;
        }

        /** @return the request */
        public BasicRequest build() {
            return new BasicRequest(this);
        }
    }
}
