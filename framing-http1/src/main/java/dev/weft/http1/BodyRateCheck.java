package dev.weft.http1;

import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.ProtocolContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minimum request-body data rate of one HTTP/1.1 connection (Kestrel's
 * {@code MinRequestBodyDataRate}): over each grace period in which the peer had nothing to wait
 * for, the current body must have moved {@code rate × grace} octets, or its connection answers
 * 408 and closes ({@link Http1Connection#bodyTooSlow}).
 *
 * <p>State: the timer, the octets of the current window and whether the window is forgiven are
 * owned by the connection's event loop; every method runs there (the timer fires there too).
 */
final class BodyRateCheck {
    private static final Logger LOG = LoggerFactory.getLogger(BodyRateCheck.class);

    private final Http1Connection owner;
    private final Connection connection;
    private final ProtocolContext context;
    /** Loop: checks the current request body's rate every {@code minDataRate.grace()}, or null. */
    private Cancellable timer;
    /** Loop: body octets received since the last check. */
    private long bytesThisWindow;
    /** Loop: whether the peer had a reason to stop sending in this window (reads paused, 100 Continue not yet sent). */
    private boolean forgiven;

    BodyRateCheck(Http1Connection owner, Connection connection, ProtocolContext context) {
        this.owner = owner;
        this.connection = connection;
        this.context = context;
    }

    /** A body began for exchange {@code number}: the first window starts now (if a rate is set). */
    void start(long number) {
        cancel();
        if (context.minDataRate().requestBytesPerSecond() <= 0) {
            return;
        }
        bytesThisWindow = 0;
        forgiven = false;
        schedule(number);
    }

    /** {@code bytes} of the current body arrived. */
    void count(int bytes) {
        bytesThisWindow += bytes;
    }

    /** The peer had a reason not to send in this window (we stopped reading, or it waited for 100 Continue). */
    void forgive() {
        forgiven = true;
    }

    /** The body ended or the connection closed. */
    void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void schedule(long number) {
        timer = connection.eventLoop().schedule(() -> owner.guarded(() -> check(number)), context.minDataRate().grace());
    }

    private void check(long number) {
        timer = null;
        if (!owner.bodyRateApplies(number)) {
            return;
        }
        long minimum = context.minDataRate().requestBytesPerSecond() * context.minDataRate().grace().toMillis() / 1000;
        boolean excused = forgiven || owner.readsPaused() || owner.awaitingContinue();
        if (!excused && bytesThisWindow < minimum) {
            LOG.info("http/1.1 connection {} from {}: request body slower than {} B/s ({} bytes in {}), closing",
                    connection.id(), connection.remoteAddress(), context.minDataRate().requestBytesPerSecond(),
                    bytesThisWindow, context.minDataRate().grace());
            context.observer().defenceTripped(Http1Protocol.NAME, ExchangeObserver.Defence.SLOW_DATA_RATE);
            owner.bodyTooSlow();
            return;
        }
        bytesThisWindow = 0;
        forgiven = owner.readsPaused();
        schedule(number);
    }
}
