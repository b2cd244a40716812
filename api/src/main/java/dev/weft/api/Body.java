package dev.weft.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * A content stream pulled one {@link StreamContent} at a time: a request body as the handler
 * reads it, or a response's {@linkplain Content.Streamed streamed content} as the server pulls
 * it.
 *
 * <p>Pulling is what gives flow control its teeth: the server buffers a request body only up to
 * the window it advertised and credits the peer as {@link #next()} consumes data, so a slow
 * handler throttles its peer; for a response the server calls {@link #next()} only when the
 * peer's window has room.
 *
 * <p>Threading: one reader at a time. {@link #next()} blocks the calling (virtual) thread until
 * content arrives; an interrupt (a peer reset, a disconnect) makes it throw
 * {@link java.io.InterruptedIOException}. {@link #close()} may be called from any thread.
 */
public interface Body extends AutoCloseable {

    /**
     * Waits for and returns the next piece of content.
     *
     * @return data, trailers, or {@link StreamContent#END} (and {@code END} forever after)
     * @throws IOException if the stream was reset, the peer vanished, or a quota was exceeded
     */
    StreamContent next() throws IOException;

    /**
     * @return the total length of the data if it is known in advance (a request's
     *     {@code content-length}), else empty
     */
    default OptionalLong contentLength() {
        return OptionalLong.empty();
    }

    /**
     * @return the trailers seen so far: empty until {@link #next()} has returned them
     */
    default Headers trailers() {
        return Headers.empty();
    }

    /**
     * Views the data as an {@link InputStream}; trailers are skipped over and kept in
     * {@link #trailers()}. Closing the stream closes this body.
     *
     * @return a stream over the remaining data
     */
    default InputStream asInputStream() {
        return new BodyInputStream(this);
    }

    /**
     * Reads all remaining data into memory. Only for bodies known to be small: this is the one
     * method here that buffers without bound, so check {@link #contentLength()} or cap the read
     * with {@link InputStream#readNBytes(int)} on {@link #asInputStream()} instead when the
     * peer is not trusted.
     *
     * @return every remaining byte
     * @throws IOException as {@link #next()}
     */
    default byte[] readAllBytes() throws IOException {
        try (InputStream in = asInputStream()) {
            return in.readAllBytes();
        }
    }

    /**
     * Discards what has not been read and frees its buffers. For a request body this tells the
     * server that the handler wants no more; the server may then reset the peer's stream or
     * drain it. Idempotent.
     */
    @Override
    default void close() {
    }

    /** @return a body with no data */
    static Body empty() {
        return Bodies.EMPTY;
    }

    /** @return a body holding {@code bytes} (not copied) */
    static Body of(byte[] bytes) {
        return Bodies.ofBuffer(ByteBuffer.wrap(bytes));
    }

    /** @return a body holding {@code text} as UTF-8 */
    static Body of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param in the source, read in chunks of up to 16 KiB and closed at its end or when the
     *     body is closed
     * @return a body pulling from {@code in}
     */
    static Body fromInputStream(InputStream in) {
        return Bodies.fromInputStream(in);
    }

    /**
     * Wraps a body so that {@link StreamContent.Trailers} are appended at its end.
     *
     * @param body the data
     * @param trailers the trailer fields to send after the data
     * @return a body ending with those trailers
     */
    static Body withTrailers(Body body, Headers trailers) {
        return Bodies.withTrailers(body, trailers);
    }
}
