package dev.weft.http1;

import dev.weft.spi.RequestBodyBuffer;
import java.util.function.IntConsumer;

/**
 * An HTTP/1.1 request body: the shared loop-to-handler buffer ({@link RequestBodyBuffer}).
 *
 * <p>Memory is bounded by the connection: it stops reading from the socket while more than
 * {@link Http1Connection#BODY_HIGH_WATERMARK} bytes wait in bodies, and each chunk the handler
 * takes (or a close discards) is reported to {@code consumed}, which lets it read again. A slow
 * handler thus throttles its peer through TCP.
 */
final class RequestBody extends RequestBodyBuffer {
    /**
     * @param contentLength the declared length, or -1
     * @param consumed told how many octets were taken or discarded; any thread
     * @param firstRead called once when the handler first asks for data (sends 100 Continue); handler thread
     */
    RequestBody(long contentLength, IntConsumer consumed, Runnable firstRead) {
        super(contentLength, consumed, firstRead);
    }
}
