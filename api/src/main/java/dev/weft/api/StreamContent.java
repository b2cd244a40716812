package dev.weft.api;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One step of a pulled content stream (seed 003's {@code StreamContent}): more data, the
 * trailers, or the end. A stream is any number of {@link Data}, at most one {@link Trailers},
 * then {@link End}.
 *
 * <p>Threading: immutable values; a {@link Data}'s buffer belongs to whoever received it.
 */
public sealed interface StreamContent permits StreamContent.Data, StreamContent.Trailers, StreamContent.End {

    /** The one end marker. */
    End END = new End();

    /**
     * A chunk of content. The buffer's remaining bytes are the chunk; the receiver owns the
     * buffer and may consume it (advance its position).
     *
     * @param bytes the chunk, never empty for content read from a peer
     */
    record Data(ByteBuffer bytes) implements StreamContent {
        /** @throws NullPointerException if bytes is null */
        public Data {
            Objects.requireNonNull(bytes, "bytes is null");
        }

        /** @return a chunk wrapping {@code bytes} (not copied) */
        public static Data of(byte[] bytes) {
            return new Data(ByteBuffer.wrap(bytes));
        }
    }

    /**
     * Trailer fields that close the stream (HTTP/2: a final HEADERS frame with END_STREAM).
     *
     * @param headers the trailer fields; no pseudo-headers
     */
    record Trailers(Headers headers) implements StreamContent {
        /**
         * @throws NullPointerException if headers is null
         * @throws IllegalArgumentException for a field no HTTP version can send, as for a
         *     {@link Response}'s headers (the protocols check request trailers before they get here)
         */
        public Trailers {
            Objects.requireNonNull(headers, "headers is null").requireSendable("trailer");
        }
    }

    /** The end of the stream; pulling past it keeps answering {@code End}. */
    record End() implements StreamContent {
    }
}
