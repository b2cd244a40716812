package dev.weft.http2.core;

import dev.weft.api.Headers;
import java.nio.ByteBuffer;

/**
 * What {@link ServerConnection} reports to its driver after taking in bytes.
 *
 * <p>Threading: immutable values; a data buffer belongs to the receiver.
 */
public sealed interface Http2Event {

    /** A request's header section arrived and opened stream {@code streamId}. */
    record RequestStarted(int streamId, RequestHead head, boolean endStream) implements Http2Event {
    }

    /**
     * Request data (possibly empty when only END_STREAM arrived). Its octets stay counted against
     * our windows until the driver calls {@link ServerConnection#dataConsumed}.
     */
    record RequestData(int streamId, ByteBuffer data, boolean endStream) implements Http2Event {
    }

    /** Request trailers; they end the request. */
    record RequestTrailers(int streamId, Headers trailers) implements Http2Event {
    }

    /** The stream ended abnormally: reset by the peer, or by us for its error. Stop its work. */
    record StreamReset(int streamId, ErrorCode code, boolean byPeer) implements Http2Event {
    }

    /** A new stream was refused because {@code limit} streams were already open (REFUSED_STREAM sent). */
    /** Request headers over SETTINGS_MAX_HEADER_LIST_SIZE were answered 431 without a handler. */
    record HeadersTooLarge(int streamId) implements Http2Event {
    }

    record StreamRefused(int streamId, int limit) implements Http2Event {
    }

    /** Send credit grew on a stream, or on every stream when {@code streamId} is 0. */
    record WindowOpened(int streamId) implements Http2Event {
    }

    /** The peer sent GOAWAY: it opens no more streams. */
    record GoAwayReceived(int lastStreamId, long errorCode, String debug) implements Http2Event {
    }

    /** A connection error: GOAWAY is queued; flush it and close. */
    record ConnectionFailed(ErrorCode code, String reason) implements Http2Event {
    }

    /** The first bytes are an HTTP/1.x request line, not the HTTP/2 preface. */
    record Http1Detected() implements Http2Event {
    }
}
