package dev.weft.wireproto;

import java.nio.ByteBuffer;

/** What the {@link ClientReactor} makes of the server's frames. */
public sealed interface ClientEvent {

    /**
     * A chunk of the current command's successful answer.
     *
     * @param data the bytes
     * @param last whether the answer is complete
     */
    record ResponseData(ByteBuffer data, boolean last) implements ClientEvent {
    }

    /**
     * The current command failed.
     *
     * @param message the server's message
     */
    record ApplicationError(String message) implements ClientEvent {
    }

    /**
     * The server says we broke the protocol; it closes the connection.
     *
     * @param message the server's message
     */
    record ServerProtocolError(String message) implements ClientEvent {
    }

    /**
     * The server's frames made no sense (or its output ended inside a frame); stop using the
     * connection.
     *
     * @param message what was wrong
     */
    record MalformedResponse(String message) implements ClientEvent {
    }
}
