package dev.weft.wireproto;

import java.io.IOException;

/**
 * The peer broke the frame protocol: a malformed frame, a frame the state does not allow, or a
 * limit exceeded. The answer is an error-response frame with the protocol flag, then close.
 */
public final class WireprotoException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, shown to the peer */
    public WireprotoException(String message) {
        super(message);
    }
}
