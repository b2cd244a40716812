package dev.weft.server.cli;

/** A command line, environment or config file that makes no sense; the message is one line for the user. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
