package dev.weft.http2.core;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The streams of one connection (RFC 9113 §5.1): the live ones, a bounded memory of closed ones
 * (so that late frames get the answer §5.1 asks for), and the stream-id bookkeeping (highest
 * client id seen, our GOAWAY's last id).
 *
 * <p>Stream states as seen by a server that never pushes: a client stream is idle until its
 * HEADERS, then OPEN (or HALF_CLOSED_REMOTE if they carried END_STREAM), HALF_CLOSED_LOCAL once
 * our END_STREAM went, and closed when both sides ended or either reset it.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread, through its
 * {@link ServerConnection}.
 */
final class StreamTable {
    /** Closed streams remembered for §5.1's answers to late frames. */
    private static final int CLOSED_STREAMS_REMEMBERED = 256;

    enum State { OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL }

    enum ClosedBy { PEER_RESET, WE_RESET, FINISHED }

    /** One live stream. Owned by the loop thread, like everything here. */
    static final class Stream {
        final int id;
        State state;
        final OutboundWindow sendWindow;
        final InboundWindow receiveWindow;
        final long contentLength;
        long received;

        Stream(int id, State state, long sendWindow, int receiveWindow, long contentLength) {
            this.id = id;
            this.state = state;
            this.sendWindow = new OutboundWindow(sendWindow);
            this.receiveWindow = new InboundWindow(receiveWindow, receiveWindow);
            this.contentLength = contentLength;
        }

        boolean remoteOpen() {
            return state != State.HALF_CLOSED_REMOTE;
        }

        /** Whether our side may still send on it (its response has not ended). */
        boolean localOpen() {
            return state != State.HALF_CLOSED_LOCAL;
        }
    }

    private final int localInitialWindowSize;
    private final Map<Integer, Stream> live = new HashMap<>();
    private final Map<Integer, ClosedBy> closed = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, ClosedBy> eldest) {
            return size() > CLOSED_STREAMS_REMEMBERED;
        }
    };
    /** The peer's SETTINGS_INITIAL_WINDOW_SIZE: the send window a new stream starts with. */
    long peerInitialWindowSize;
    /** Highest client stream id seen on HEADERS; every lower idle id is closed by §5.1.1. */
    int highestPeerStreamId;
    /** Last stream id in our GOAWAY, or -1 before we sent one: higher new streams are ignored. */
    int goAwayLastStreamId = -1;

    StreamTable(long peerInitialWindowSize, int localInitialWindowSize) {
        this.peerInitialWindowSize = peerInitialWindowSize;
        this.localInitialWindowSize = localInitialWindowSize;
    }

    /** Opens a stream with the windows both sides' settings give it. */
    Stream open(int id, boolean remoteEnded, long contentLength) {
        Stream s = new Stream(id, remoteEnded ? State.HALF_CLOSED_REMOTE : State.OPEN, peerInitialWindowSize,
                localInitialWindowSize, contentLength);
        live.put(id, s);
        return s;
    }

    Stream get(int id) {
        return live.get(id);
    }

    /** Removes a live stream (a reset), or returns null if it is not live. */
    Stream remove(int id) {
        return live.remove(id);
    }

    /** Records how a stream that is no longer live was closed. */
    void remember(int id, ClosedBy how) {
        closed.put(id, how);
    }

    /** @return how a recently closed stream ended, or null if unknown (idle, or long forgotten) */
    ClosedBy closedBy(int id) {
        return closed.get(id);
    }

    int size() {
        return live.size();
    }

    Collection<Stream> values() {
        return live.values();
    }

    boolean isIdle(int id) {
        return (id & 1) == 0 || id > highestPeerStreamId;
    }

    /** Our side may send on this stream: it is live and its response has not ended. */
    Stream sendable(int id) {
        Stream s = live.get(id);
        return s != null && s.localOpen() ? s : null;
    }

    /** The peer ended its side (END_STREAM or trailers). */
    void endRemote(Stream s) {
        if (s.state == State.HALF_CLOSED_LOCAL) {
            close(s, ClosedBy.FINISHED);
        } else {
            s.state = State.HALF_CLOSED_REMOTE;
        }
    }

    /** We ended our side (END_STREAM sent). */
    void endLocal(Stream s) {
        if (s.state == State.HALF_CLOSED_REMOTE) {
            close(s, ClosedBy.FINISHED);
        } else {
            s.state = State.HALF_CLOSED_LOCAL;
        }
    }

    private void close(Stream s, ClosedBy how) {
        live.remove(s.id);
        closed.put(s.id, how);
    }
}
