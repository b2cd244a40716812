package dev.weft.http2;

import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slow-peer timers of one connection's {@link Http2Session}: the preface must arrive, and
 * every frame or header block once started must finish, within
 * {@link Http2Settings#slowPeerTimeout()} (slowloris: a block dribbled an octet at a time keeps
 * the idle timer quiet forever).
 *
 * <p>Threading: owned by the connection's event loop, like the session.
 */
final class SlowPeerWatch {
    private static final Logger LOG = LoggerFactory.getLogger(SlowPeerWatch.class);

    private final Http2Session session;
    private final Connection connection;
    private final ServerConnection core;
    private final Duration timeout;
    private final Cancellable prefaceTimer;
    /** When the current unfinished frame or header block stopped making progress, or 0. */
    private long stalledSinceNanos;
    /** {@link ServerConnection#inputProgress()} when {@link #stalledSinceNanos} was set. */
    private long stalledProgress = -1;
    /** The pending stall check, or null. */
    private Cancellable stallTimer;

    SlowPeerWatch(Http2Session session, Connection connection, ServerConnection core, Duration timeout) {
        this.session = session;
        this.connection = connection;
        this.core = core;
        this.timeout = timeout;
        this.prefaceTimer = connection.eventLoop().schedule(this::prefaceTimedOut, timeout);
    }

    /** After input was taken in: starts, keeps or stops the stall timer. */
    void inputTaken() {
        if (!core.isInputIncomplete()) {
            stalledSinceNanos = 0;
            return;
        }
        long progress = core.inputProgress();
        if (stalledSinceNanos != 0 && progress == stalledProgress) {
            return; // still the same unfinished frame or block; the timer is running
        }
        stalledSinceNanos = System.nanoTime();
        stalledProgress = progress;
        if (stallTimer == null) {
            stallTimer = connection.eventLoop().schedule(() -> session.guarded(this::checkStalledInput), timeout);
        }
    }

    private void checkStalledInput() {
        stallTimer = null;
        if (stalledSinceNanos == 0 || session.isClosing()) {
            return;
        }
        long waited = System.nanoTime() - stalledSinceNanos;
        if (waited < timeout.toNanos()) {
            stallTimer = connection.eventLoop().schedule(() -> session.guarded(this::checkStalledInput),
                    Duration.ofNanos(timeout.toNanos() - waited));
            return;
        }
        LOG.info("h2 connection {} from {}: frame or header block unfinished after {}, closing", connection.id(),
                connection.remoteAddress(), timeout);
        session.abandon(ErrorCode.ENHANCE_YOUR_CALM, "frame or header block too slow");
    }

    private void prefaceTimedOut() {
        if (!core.isEstablished() && !session.isClosing()) {
            LOG.info("h2 connection {} from {}: no preface and SETTINGS within {}, closing", connection.id(),
                    connection.remoteAddress(), timeout);
            connection.close();
        }
    }

    /** The connection closed: no timer may fire any more. */
    void cancel() {
        prefaceTimer.cancel();
        if (stallTimer != null) {
            stallTimer.cancel();
        }
    }
}
