package dev.weft.server;

import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import java.nio.ByteBuffer;
import java.util.List;

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

    private final Connection connection;
    private final List<Protocol> candidates;
    private final ProtocolContext context;
    private ByteBuffer prefix = ByteBuffer.allocate(MAX_PREFIX);
    private ConnectionHandler chosen;

    /**
     * @param candidates in order of preference; the first is the fallback when nobody claims
     *     the bytes (so a stray HTTP/1.1 client gets HTTP/2's plain-text answer)
     */
    ProtocolDetector(Connection connection, List<Protocol> candidates, ProtocolContext context) {
        this.connection = connection;
        this.candidates = candidates;
        this.context = context;
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
        if (chosen != null) {
            chosen.onClosed(cause);
        }
    }
}
