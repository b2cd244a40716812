package dev.weft.wireproto;

import java.nio.ByteBuffer;

/** What the {@link ClientReactor} makes of the server's frames. */
public sealed interface ClientEvent {

    /**
     * A chunk of a command's successful answer.
     *
     * @param requestId the command's request id (revision {@code 0002}; 0 in {@code 0001},
     *     where it is the oldest command's)
     * @param data the bytes
     * @param last whether the answer is complete
     */
    record ResponseData(int requestId, ByteBuffer data, boolean last) implements ClientEvent {
        /** An answer chunk of request 0. */
        public ResponseData(ByteBuffer data, boolean last) {
            this(0, data, last);
        }
    }

    /**
     * A command failed.
     *
     * @param requestId the command's request id (as in {@link ResponseData})
     * @param message the server's message
     */
    record ApplicationError(int requestId, String message) implements ClientEvent {
        /** A failure of request 0. */
        public ApplicationError(String message) {
            this(0, message);
        }
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
