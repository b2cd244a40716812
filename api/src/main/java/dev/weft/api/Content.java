package dev.weft.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a {@link Response} carries after its headers.
 *
 * <ul>
 *   <li>{@link None}: nothing; over HTTP/2 END_STREAM rides on the HEADERS frame.
 *   <li>{@link Bytes}: a buffer in memory.
 *   <li>{@link FileRegion}: part of a file, sent zero-copy (sendfile / transferTo) where the
 *       transport can.
 *   <li>{@link Streamed}: a {@link Body} the server pulls from as the peer's flow-control window
 *       allows; it may end with trailers.
 * </ul>
 *
 * <p>Threading: immutable values, except that a {@link Streamed} source is pulled by one server
 * thread.
 */
public sealed interface Content permits Content.None, Content.Bytes, Content.FileRegion, Content.Streamed {

    /** The one empty content. */
    None NONE = new None();

    /** @return the number of bytes if known before sending */
    OptionalLong length();

    /** @return bytes content wrapping {@code bytes} (not copied; do not change them after) */
    static Bytes bytes(byte[] bytes) {
        return new Bytes(ByteBuffer.wrap(bytes));
    }

    /** @return UTF-8 bytes of {@code text} */
    static Bytes text(String text) {
        return bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the whole file as a region
     * @throws IOException if the file cannot be read
     */
    static FileRegion file(Path path) throws IOException {
        return new FileRegion(path, 0, Files.size(path), ProgressListener.NONE);
    }

    /** No content. */
    record None() implements Content {
        @Override
        public OptionalLong length() {
            return OptionalLong.of(0);
        }
    }

    /**
     * Content held in memory.
     *
     * @param buffer the bytes between position and limit; the server reads a duplicate, so the
     *     same value may be sent many times
     */
    record Bytes(ByteBuffer buffer) implements Content {
        /** @throws NullPointerException if buffer is null */
        public Bytes {
            Objects.requireNonNull(buffer, "buffer is null");
        }

        @Override
        public OptionalLong length() {
            return OptionalLong.of(buffer.remaining());
        }
    }

    /**
     * A region of a file.
     *
     * @param path the file; opened when the response is sent
     * @param offset the first byte to send
     * @param count how many bytes to send
     * @param progress told about each pass of the send loop
     */
    record FileRegion(Path path, long offset, long count, ProgressListener progress) implements Content {
        /** @throws IllegalArgumentException if offset or count is negative */
        public FileRegion {
            Objects.requireNonNull(path, "path is null");
            Objects.requireNonNull(progress, "progress is null");
            if (offset < 0 || count < 0) {
                throw new IllegalArgumentException("offset and count must be >= 0: " + offset + ", " + count);
            }
        }

        @Override
        public OptionalLong length() {
            return OptionalLong.of(count);
        }

        /** @return this region with another progress listener */
        public FileRegion withProgress(ProgressListener listener) {
            return new FileRegion(path, offset, count, listener);
        }
    }

    /**
     * Content pulled from a source as the peer can take it; the source may end with trailers.
     *
     * @param source pulled by the server on one thread and closed when the response ends
     */
    record Streamed(Body source) implements Content {
        /** @throws NullPointerException if source is null */
        public Streamed {
            Objects.requireNonNull(source, "source is null");
        }

        @Override
        public OptionalLong length() {
            return source.contentLength();
        }
    }
}
