package dev.weft.spi;

import java.io.IOException;

/**
 * A way of accepting and driving TCP connections: NIO selectors, native epoll, ...
 * Contributed by a plugin under a name ({@link WeftBindings#transports}).
 *
 * <p>Threading: {@link #start} may be called from any thread, more than once (one server per
 * call). Implementations are stateless between servers.
 */
public interface Transport {

    /** @return the name it is chosen by ({@code nio}, {@code epoll}) */
    String name();

    /** @return whether it can run on this machine, and if not why */
    default Availability availability() {
        return Availability.availableHere();
    }

    /**
     * Binds, starts the event loops and begins accepting.
     *
     * @param config where and how to listen
     * @param initializer makes each connection's handler
     * @return the running server
     * @throws IOException if the address cannot be bound (e.g. port in use)
     * @throws IllegalStateException if the transport is {@linkplain #availability() unavailable}
     */
    TransportServer start(TransportConfig config, ConnectionInitializer initializer) throws IOException;
}
