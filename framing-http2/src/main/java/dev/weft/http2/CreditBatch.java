package dev.weft.http2;

import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Connection;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request data of one stream consumed (or discarded) by its handler, to be credited to the peer
 * on the loop. Credits that pile up while a hand-over is on its way ride along with it, so a fast
 * reader costs one loop task per batch, not one per DATA frame.
 *
 * <p>Threading: {@link #consumed} from any thread; {@code pending} is atomic; the core is touched
 * only on the loop.
 */
final class CreditBatch {
    private final int streamId;
    private final Http2Session session;
    private final Connection connection;
    private final ServerConnection core;
    private final AtomicInteger pending = new AtomicInteger();

    CreditBatch(int streamId, Http2Session session, Connection connection, ServerConnection core) {
        this.streamId = streamId;
        this.session = session;
        this.connection = connection;
        this.core = core;
    }

    void consumed(int octets) {
        if (octets <= 0) {
            return;
        }
        if (connection.eventLoop().inEventLoop()) {
            core.dataConsumed(streamId, octets);
            return; // the loop code that discarded the data flushes
        }
        if (pending.getAndAdd(octets) != 0) {
            return; // a hand-over is already on its way and will take these too
        }
        try {
            connection.eventLoop().execute(() -> session.guarded(() -> {
                core.dataConsumed(streamId, pending.getAndSet(0));
                session.flushSoon();
            }));
        } catch (RejectedExecutionException e) {
            // the loop has stopped, and with it the connection: there is nobody left to credit
        }
    }
}
