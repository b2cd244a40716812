package dev.weft.http2.core;

import java.util.Objects;

/**
 * A violation of RFC 9113 / RFC 7541 by the peer. The subtype says the scope, so the caller never
 * guesses between GOAWAY and RST_STREAM.
 *
 * <p>Threading: immutable.
 */
public abstract sealed class Http2Exception extends Exception permits ConnectionError, StreamError {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    Http2Exception(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code is null");
    }

    /** @return the error code to send */
    public ErrorCode code() {
        return code;
    }

    /** @return a connection error: GOAWAY with {@code code}, then close */
    public static ConnectionError connection(ErrorCode code, String format, Object... args) {
        return new ConnectionError(code, String.format(format, args));
    }

    /** @return a stream error: RST_STREAM with {@code code} on {@code streamId} */
    public static StreamError stream(int streamId, ErrorCode code, String format, Object... args) {
        return new StreamError(streamId, code, String.format(format, args));
    }
}
