package dev.weft.server;

/**
 * The server could not start for a reason the user can fix: a name nobody provides, a plugin
 * unavailable here, a port in use. The message is one line meant for the user, with the way out.
 */
public final class WeftStartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line saying what is wrong and what to do */
    public WeftStartupException(String message) {
        super(message);
    }

    /** @param message one line saying what is wrong and what to do; @param cause the underlying error */
    public WeftStartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
