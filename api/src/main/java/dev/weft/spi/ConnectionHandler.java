package dev.weft.spi;

import java.nio.ByteBuffer;

/**
 * The per-connection protocol handler: the transport calls it with the connection's events.
 *
 * <p>Threading: every method is called on the connection's event loop, one at a time, and must
 * not block. Work that blocks (handlers, file system reads) goes to other threads, which come
 * back with {@code connection.eventLoop().execute(...)}.
 */
public interface ConnectionHandler {

    /**
     * Bytes from the peer.
     *
     * @param data valid only during this call (the transport reuses the buffer): consume or
     *     copy what you need before returning
     */
    void onRead(ByteBuffer data);

    /** The peer half-closed its side (read returned end of stream). */
    void onInputClosed();

    /**
     * The output queue crossed a watermark.
     *
     * @param writable true when it fell under the low watermark, false when it rose over the high
     */
    default void onWritabilityChanged(boolean writable) {
    }

    /**
     * Nothing was read or sent for the transport's idle timeout. The handler decides: close
     * (possibly after a goodbye frame) or keep the connection. The default closes it.
     *
     * @param connection the idle connection
     */
    default void onIdleTimeout(Connection connection) {
        connection.close();
    }

    /**
     * The server is stopping gracefully: finish the exchanges in flight, accept no new ones,
     * then close. The transport force-closes what is still open at its deadline. The default
     * closes at once.
     *
     * @param connection the connection to wind down
     */
    default void onShutdown(Connection connection) {
        connection.close();
    }

    /**
     * The connection is gone; free everything. Called exactly once.
     *
     * @param cause the error that ended it, or {@code null} for an orderly close
     */
    void onClosed(Throwable cause);
}
