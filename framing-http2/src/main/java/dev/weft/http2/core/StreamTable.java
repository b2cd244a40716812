package dev.weft.http2.core;

import java.util.List;

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
    private final StreamMap live = new StreamMap();
    /**
     * The last {@link #CLOSED_STREAMS_REMEMBERED} closed streams, in closing order: a ring of ids
     * and how each closed, allocated on the first close. A ring and not a map on purpose: a map
     * allocated an entry and a boxed id per stream, each living for the next 256 streams of its
     * connection, long enough under load to be promoted to the old generation and die there
     * (with SerialGC the heap then grew to its maximum before the first full collection).
     */
    private int[] closedIds;
    private byte[] closedHow;
    /** Next slot of the ring to write. */
    private int closedNext;
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
        if (closedIds == null) {
            closedIds = new int[CLOSED_STREAMS_REMEMBERED]; // 0 is never a client stream id: empty slot
            closedHow = new byte[CLOSED_STREAMS_REMEMBERED];
        }
        closedIds[closedNext] = id;
        closedHow[closedNext] = (byte) how.ordinal();
        closedNext = (closedNext + 1) % CLOSED_STREAMS_REMEMBERED;
    }

    /**
     * @return how a recently closed stream ended, or null if unknown (idle, or long forgotten).
     *     A linear scan, newest first (a stream reset after it finished is in the ring twice, and
     *     the reset counts): asked only about frames on streams that are not live.
     */
    ClosedBy closedBy(int id) {
        if (closedIds == null || id == 0) {
            return null;
        }
        for (int back = 1; back <= CLOSED_STREAMS_REMEMBERED; back++) {
            int i = Math.floorMod(closedNext - back, CLOSED_STREAMS_REMEMBERED);
            if (closedIds[i] == id) {
                return CLOSED_BY[closedHow[i]];
            }
        }
        return null;
    }

    private static final ClosedBy[] CLOSED_BY = ClosedBy.values();

    int size() {
        return live.size();
    }

    List<Stream> values() {
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
        remember(s.id, how);
    }
}
