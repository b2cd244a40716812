package dev.weft.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A running listener with its event loops.
 *
 * <p>Threading: all methods may be called from any thread.
 */
public interface TransportServer extends AutoCloseable {

    /** @return the bound address (the real port when 0 was asked for) */
    InetSocketAddress localAddress();

    /** @return the number of event loops */
    int eventLoopCount();

    /** @return connections open now */
    int connectionCount();

    /**
     * Stops gracefully: stops accepting, asks every connection's handler to
     * {@linkplain ConnectionHandler#onShutdown wind down}, and force-closes what is still open
     * after {@code deadline}; then the loops end.
     *
     * @return completes when everything is closed and the loop threads have ended
     */
    CompletableFuture<Void> shutdown(Duration deadline);

    /** Stops at once: every connection aborted, loops ended. Blocks until done. */
    @Override
    void close();
}
