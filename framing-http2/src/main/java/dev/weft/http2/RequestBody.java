package dev.weft.http2;

import dev.weft.spi.RequestBodyBuffer;
import java.util.function.IntConsumer;

/**
 * An HTTP/2 request body: the shared loop-to-handler buffer ({@link RequestBodyBuffer}).
 *
 * <p>Memory is bounded by flow control: the loop offers only what the peer may send within the
 * window we advertised, and each chunk the handler takes (or a close discards) is reported to
 * {@code consumed}, which credits the peer with WINDOW_UPDATE. A slow handler thus throttles its peer.
 */
final class RequestBody extends RequestBodyBuffer {
    /**
     * @param contentLength the declared length, or -1
     * @param consumed told how many octets were taken or discarded; any thread
     */
    RequestBody(long contentLength, IntConsumer consumed) {
        super(contentLength, consumed);
    }
}
