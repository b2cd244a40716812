package dev.weft.body;

import dev.weft.api.Response;
import java.io.IOException;

/**
 * A request body that cannot be accepted as a form: over a quota ({@link BodyQuotaException}) or
 * malformed ({@link MalformedFormException}). It is an {@link IOException} because it surfaces
 * while the body is read; unlike a peer reset it has an answer for the client.
 */
public abstract sealed class FormException extends IOException permits BodyQuotaException, MalformedFormException {
    private static final long serialVersionUID = 1L;

    FormException(String message) {
        super(message);
    }

    FormException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @return the HTTP status this error answers */
    public abstract int status();

    /** @return a plain-text response with {@link #status()} and the message */
    public Response toResponse() {
        return Response.text(status(), getMessage() + "\n");
    }
}
