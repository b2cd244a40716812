package dev.weft.api;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resources that live exactly as long as one exchange (a request and its response): temp files
 * of an upload, open file channels of a download. The protocol that owns the exchange closes
 * this when the response has gone out, when the stream is reset, or when the peer disconnects,
 * so nothing outlives the exchange whatever way it ends.
 *
 * <p>Threading: thread-safe; {@link #register} may race with {@link #close}: a resource
 * registered after close is closed at once.
 */
public final class ExchangeResources implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeResources.class);

    /**
     * Guarded by {@code this}. Created on the first registration: most exchanges (small GETs)
     * register nothing, and an empty {@code ArrayDeque} still allocates its 17-slot array.
     */
    private Deque<AutoCloseable> resources;
    /** Guarded by {@code this}. */
    private boolean closed;

    /**
     * @param resource closed (last registered, first closed) when the exchange ends
     */
    public void register(AutoCloseable resource) {
        synchronized (this) {
            if (!closed) {
                if (resources == null) {
                    resources = new ArrayDeque<>(4);
                }
                resources.push(resource);
                return;
            }
        }
        closeQuietly(resource);
    }

    /** @return whether the exchange has ended */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Closes every registered resource; failures are logged, not thrown. Idempotent. */
    @Override
    public void close() {
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                closed = true;
                next = resources == null ? null : resources.poll();
            }
            if (next == null) {
                return;
            }
            closeQuietly(next);
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("closing an exchange resource failed: {}", e.toString());
        }
    }
}
