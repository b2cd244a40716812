package dev.weft.server;

import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --protocol auto}: holds a new connection's first bytes until one protocol says they
 * are its preface (or all but one say no), then hands the connection to that protocol, replaying
 * the bytes, and forwards every later event to it.
 *
 * <p>Ownership: confined to the connection's event loop, like every handler.
 */
final class ProtocolDetector implements ConnectionHandler {
    /** Enough for the HTTP/2 preface (24 bytes) and any wireproto frame header. */
    private static final int MAX_PREFIX = 64;
    private static final Logger LOG = LoggerFactory.getLogger(ProtocolDetector.class);

    private final Connection connection;
    private final List<Protocol> candidates;
    private final ProtocolContext context;
    private ByteBuffer prefix = ByteBuffer.allocate(MAX_PREFIX);
    private ConnectionHandler chosen;
    /** Slowloris: the first bytes dribbled one at a time would keep the idle timer quiet forever. */
    private final Cancellable detectionTimer;

    /**
     * @param candidates in order of preference; the first is the fallback when nobody claims
     *     the bytes (so a stray HTTP/1.1 client gets HTTP/2's plain-text answer)
     */
    ProtocolDetector(Connection connection, List<Protocol> candidates, ProtocolContext context, Duration detectionTimeout) {
        this.connection = connection;
        this.candidates = candidates;
        this.context = context;
        this.detectionTimer = connection.eventLoop().schedule(this::detectionTimedOut, detectionTimeout);
    }

    private void detectionTimedOut() {
        if (chosen == null && connection.isOpen()) {
            LOG.info("connection {} from {}: no protocol preface within the detection timeout, closing", connection.id(),
                    connection.remoteAddress());
            connection.close();
        }
    }

    @Override
    public void onRead(ByteBuffer data) {
        if (chosen != null) {
            chosen.onRead(data);
            return;
        }
        int take = Math.min(prefix.remaining(), data.remaining());
        ByteBuffer slice = data.slice(data.position(), take);
        prefix.put(slice);
        data.position(data.position() + take);
        Protocol winner = decide(prefix.position() == MAX_PREFIX);
        if (winner == null) {
            return;
        }
        detectionTimer.cancel();
        chosen = winner.open(connection, context);
        ByteBuffer seen = prefix.flip();
        prefix = null;
        chosen.onRead(seen);
        if (data.hasRemaining() && connection.isOpen()) {
            chosen.onRead(data);
        }
    }

    /** @return the protocol to hand over to, or null to wait for more bytes */
    private Protocol decide(boolean full) {
        ByteBuffer view = prefix.duplicate().flip().asReadOnlyBuffer();
        int undecided = 0;
        for (Protocol protocol : candidates) {
            PrefaceMatch match = protocol.detect(view.duplicate());
            if (match == PrefaceMatch.YES) {
                return protocol;
            }
            if (match == PrefaceMatch.NEED_MORE) {
                undecided++;
            }
        }
        if (undecided == 0 || full) {
            return candidates.getFirst();
        }
        return null;
    }

    @Override
    public void onInputClosed() {
        if (chosen != null) {
            chosen.onInputClosed();
        } else {
            connection.close();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (chosen != null) {
            chosen.onWritabilityChanged(writable);
        }
    }

    @Override
    public void onIdleTimeout(Connection idle) {
        if (chosen != null) {
            chosen.onIdleTimeout(idle);
        } else {
            idle.close();
        }
    }

    @Override
    public void onShutdown(Connection stopping) {
        if (chosen != null) {
            chosen.onShutdown(stopping);
        } else {
            stopping.close();
        }
    }

    @Override
    public void onClosed(Throwable cause) {
        detectionTimer.cancel();
        if (chosen != null) {
            chosen.onClosed(cause);
        }
    }
}
