package dev.weft.api;

import java.util.Objects;

/** Decorators for {@link Handler}s. */
public final class Handlers {
    private Handlers() {
    }

    /**
     * Serves {@code handler} with another body policy: an admin form may get larger quotas than
     * a public one.
     *
     * @param policy the quotas for requests reaching {@code handler}
     * @param handler the handler
     * @return a handler whose requests report {@code policy}
     */
    public static Handler withBodyPolicy(BodyPolicy policy, Handler handler) {
        Objects.requireNonNull(policy, "policy is null");
        Objects.requireNonNull(handler, "handler is null");
        return request -> handler.handle(new ForwardingRequest(request) {
            @Override
            public BodyPolicy bodyPolicy() {
                return policy;
            }
        });
    }
}
