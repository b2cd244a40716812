package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.PROTOCOL_ERROR;
import static dev.weft.http2.core.ErrorCode.STREAM_CLOSED;
import static dev.weft.http2.core.Http2Exception.connection;
import static dev.weft.http2.core.Http2Exception.stream;

import dev.weft.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The receiving side of header blocks: HEADERS + CONTINUATION assembled into one block, decoded
 * (HPACK), validated (RFC 9113 §8), and turned into a new stream with its
 * {@link Http2Event.RequestStarted}, or into trailers of a live one.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread, through its
 * {@link ServerConnection}.
 */
final class InboundHeaders {
    private static final int HEADER_TABLE_SIZE = 4096;

    private final Http2Settings settings;
    private final StreamTable streams;
    private final OutboundFrames out;
    private final FloodGuard guard;
    private final List<Http2Event> events;
    private final Runnable spendResetBudget;
    private final HeaderBlockDecoder decoder;
    /** The block being assembled, or null between blocks. */
    private HeaderBlock pending;
    private long blocksStarted;

    InboundHeaders(Http2Settings settings, StreamTable streams, OutboundFrames out, FloodGuard guard,
                   List<Http2Event> events, Runnable spendResetBudget) {
        this.settings = settings;
        this.streams = streams;
        this.out = out;
        this.guard = guard;
        this.events = events;
        this.spendResetBudget = spendResetBudget;
        this.decoder = new HeaderBlockDecoder(settings.maxHeaderListSize(), HEADER_TABLE_SIZE);
    }

    /** A header block being assembled from HEADERS + CONTINUATION. */
    private static final class HeaderBlock {
        final int streamId;
        final boolean endStream;
        final Frame.PriorityInfo priority;
        /** The fragments so far; only a block split over CONTINUATION frames needs one. */
        ByteArrayOutputStream bytes;
        int frames = 1;

        HeaderBlock(int streamId, boolean endStream, Frame.PriorityInfo priority) {
            this.streamId = streamId;
            this.endStream = endStream;
            this.priority = priority;
        }
    }

    /** @return whether a block is open (only CONTINUATION of its stream may come next) */
    boolean isOpen() {
        return pending != null;
    }

    /** @return the stream of the open block; only when {@link #isOpen()} */
    int openStreamId() {
        return pending.streamId;
    }

    /** @return a number identifying the open block, or -1 if none is open */
    long openBlock() {
        return pending == null ? -1 : blocksStarted;
    }

    void onHeaders(Frame.Headers headers) throws Http2Exception {
        int id = headers.streamId();
        if ((id & 1) == 0) {
            throw connection(PROTOCOL_ERROR, "client opened even stream %d", id);
        }
        pending = new HeaderBlock(id, headers.endStream(), headers.priority());
        blocksStarted++;
        ByteBuffer fragment = headers.fragment();
        if (headers.endHeaders()) {
            // The usual case, a block in one frame: decoded straight from the frame, no copy.
            guard.headerBlockBytes(fragment.remaining());
            finishBlock(fragment.array(), fragment.arrayOffset() + fragment.position(), fragment.remaining());
        } else {
            pending.bytes = new ByteArrayOutputStream(Math.max(64, 2 * fragment.remaining()));
            appendFragment(fragment);
        }
    }

    void onContinuation(Frame.Continuation continuation) throws Http2Exception {
        if (pending == null || pending.streamId != continuation.streamId()) {
            throw connection(PROTOCOL_ERROR, "CONTINUATION on stream %d without an open header block",
                    continuation.streamId());
        }
        guard.headerBlockFrames(++pending.frames);
        appendFragment(continuation.fragment());
        if (continuation.endHeaders()) {
            byte[] block = pending.bytes.toByteArray();
            finishBlock(block, 0, block.length);
        }
    }

    private void appendFragment(ByteBuffer fragment) throws ConnectionError {
        guard.headerBlockBytes(pending.bytes.size() + fragment.remaining());
        pending.bytes.write(fragment.array(), fragment.arrayOffset() + fragment.position(), fragment.remaining());
    }

    private void finishBlock(byte[] bytes, int offset, int length) throws Http2Exception {
        HeaderBlock block = pending;
        pending = null;
        int id = block.streamId;
        // Always decode first: the dynamic table must follow the peer's encoder whatever happens next.
        HeaderBlockDecoder.Result decoded = decoder.decode(bytes, offset, length);
        StreamTable.Stream s = streams.get(id);
        if (s != null) {
            if (!s.remoteOpen()) {
                throw stream(id, STREAM_CLOSED, "HEADERS on stream %d after its END_STREAM", id);
            }
            onTrailers(s, block, decoded);
            return;
        }
        if (id <= streams.highestPeerStreamId) {
            StreamTable.ClosedBy closedBy = streams.closedBy(id);
            if (closedBy == StreamTable.ClosedBy.WE_RESET) {
                return; // trailers in flight after our RST_STREAM
            }
            if (closedBy != null) {
                throw connection(STREAM_CLOSED, "HEADERS on closed stream %d", id);
            }
            throw connection(PROTOCOL_ERROR, "stream id %d is not greater than %d", id, streams.highestPeerStreamId);
        }
        streams.highestPeerStreamId = id;
        if (streams.goAwayLastStreamId >= 0) {
            streams.remember(id, StreamTable.ClosedBy.WE_RESET);
            return; // §6.8: streams above our GOAWAY's last id are ignored
        }
        if (block.priority != null && block.priority.dependency() == id) {
            throw stream(id, PROTOCOL_ERROR, "stream %d depends on itself", id);
        }
        if (streams.size() >= settings.maxConcurrentStreams()) {
            throw stream(id, ErrorCode.REFUSED_STREAM, "more than %d concurrent streams", settings.maxConcurrentStreams());
        }
        if (decoded.overLimit()) {
            rejectHeaderListTooLarge(id, block.endStream);
            return;
        }
        RequestHead head = MessageValidator.request(id, decoded);
        if (block.endStream && head.contentLength() > 0) {
            throw stream(id, PROTOCOL_ERROR, "content-length %d but END_STREAM on HEADERS", head.contentLength());
        }
        streams.open(id, block.endStream, head.contentLength());
        events.add(new Http2Event.RequestStarted(id, head, block.endStream));
    }

    private void onTrailers(StreamTable.Stream s, HeaderBlock block, HeaderBlockDecoder.Result decoded)
            throws Http2Exception {
        if (!block.endStream) {
            throw stream(s.id, PROTOCOL_ERROR, "trailers without END_STREAM");
        }
        if (decoded.overLimit()) {
            throw stream(s.id, PROTOCOL_ERROR, "trailers exceed SETTINGS_MAX_HEADER_LIST_SIZE");
        }
        var trailers = MessageValidator.trailers(s.id, decoded);
        if (s.contentLength >= 0 && s.received != s.contentLength) {
            throw stream(s.id, PROTOCOL_ERROR, "DATA length %d does not match content-length %d", s.received, s.contentLength);
        }
        streams.endRemote(s);
        events.add(new Http2Event.RequestTrailers(s.id, trailers));
    }

    /** RFC 9113 §10.5.1 / RFC 6585: too-large headers get 431 and the request is not served. */
    private void rejectHeaderListTooLarge(int id, boolean requestEnded) {
        streams.open(id, requestEnded, -1);
        out.sendHeaders(id, List.of(new HeaderField(":status", "431"), new HeaderField("content-length", "0")), true);
        events.add(new Http2Event.HeadersTooLarge(id));
        if (streams.get(id) != null) {
            // §8.1: a complete response before the request ended; ask the peer to stop sending.
            out.resetStream(id, ErrorCode.NO_ERROR);
        }
        // HPACK bomb (CVE-2016-6581), zero-length headers (CVE-2019-9516): each rejected block
        // cost us a decode, so repeated ones spend the reset budget like any refused stream.
        spendResetBudget.run();
    }
}
