package dev.weft.http2.core;

/**
 * An error that ends the connection: answered with GOAWAY carrying {@link #code()} and the
 * message as debug data.
 */
public final class ConnectionError extends Http2Exception {
    private static final long serialVersionUID = 1L;

    ConnectionError(ErrorCode code, String message) {
        super(code, message);
    }

    @Override
    public String toString() {
        return "connection error " + code() + ": " + getMessage();
    }
}
