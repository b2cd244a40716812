package dev.weft.spi;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One finished exchange, as an access log line or a metric sees it.
 *
 * @param startEpochMillis when the request arrived, milliseconds since the epoch
 * @param peer the client's address, or {@code null} if the carrier has none (stdio)
 * @param protocol the protocol's name ({@code h2}, {@code http/1.1}, {@code wireproto}, ...)
 * @param method the request method ({@code POST} for wireproto commands)
 * @param path the request target ({@code /name} for wireproto commands)
 * @param status the status answered, or 0 if no answer started (reset first)
 * @param bytesIn request body octets received
 * @param bytesOut response body octets handed to the connection
 * @param durationNanos from the request's arrival to the end of its answer
 * @param streamId the HTTP/2 stream id or wireproto command id; 0 for HTTP/1.1, which has no streams
 * @param outcome whether the answer ended normally
 */
public record CompletedExchange(long startEpochMillis, InetSocketAddress peer, String protocol, String method, String path,
                                int status, long bytesIn, long bytesOut, long durationNanos, long streamId,
                                Outcome outcome) {

    /** @throws NullPointerException for a null protocol, method, path or outcome */
    public CompletedExchange {
        Objects.requireNonNull(protocol, "protocol is null");
        Objects.requireNonNull(method, "method is null");
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(outcome, "outcome is null");
    }

    /** How an exchange ended. */
    public enum Outcome {
        /** The whole answer went out. */
        COMPLETED,
        /** The stream was reset, the connection closed or the handler interrupted before the answer ended. */
        ABORTED
    }
}
