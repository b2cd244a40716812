package dev.weft.http2;

import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.HeaderField;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One piece of a response that a handler thread hands to the connection's loop, which sends it
 * as the peer's windows and the transport's back-pressure allow.
 *
 * <p>Threading: created on the handler thread, then owned by the loop (which advances the data
 * buffers and file positions).
 */
sealed interface Outbound {

    /**
     * A header block (response headers or trailers), optionally followed at once by {@code then}
     * (the in-memory content of a response), saving the handler thread a second hand-over.
     */
    record HeaderBlock(List<HeaderField> fields, boolean endStream, Outbound then) implements Outbound {
        HeaderBlock(List<HeaderField> fields, boolean endStream) {
            this(fields, endStream, null);
        }
    }

    /** Data from memory; {@code data} is advanced by the loop as frames go out. */
    record Data(ByteBuffer data, boolean endStream) implements Outbound {
    }

    /** A file region sent as DATA frames whose payload the transport moves zero-copy. */
    record File(FileSource source) implements Outbound {
    }

    /** Give up on the stream. */
    record Reset(ErrorCode code) implements Outbound {
    }
}
