package dev.weft.wireproto;

import java.nio.charset.StandardCharsets;

/** The server's answer to one command, as {@link WireprotoClient} reports it. */
public sealed interface WireprotoReply {

    /**
     * The command succeeded.
     *
     * @param body the answer's bytes
     */
    record Success(byte[] body) implements WireprotoReply {
        /** @return the body as UTF-8 text */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * The command failed (error-response frame with the application flag).
     *
     * @param message the server's message
     */
    record ApplicationError(String message) implements WireprotoReply {
    }

    /**
     * The exchange broke: the server reported a protocol error (error-response frame with the
     * protocol flag), or its own frames were malformed. No further replies follow.
     *
     * @param message the reason
     * @param fromServer whether the server said so (rather than its frames being malformed)
     */
    record ProtocolError(String message, boolean fromServer) implements WireprotoReply {
    }
}
