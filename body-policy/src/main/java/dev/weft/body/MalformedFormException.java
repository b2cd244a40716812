package dev.weft.body;

/** A form body that does not parse (400), or whose content type is not a form (415). */
public final class MalformedFormException extends FormException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status 400 for a malformed body, 415 for an unsupported content type
     * @param message what is wrong, for the client
     */
    public MalformedFormException(int status, String message) {
        super(message);
        this.status = status;
    }

    /**
     * @param message what is wrong, for the client
     * @param cause the parser's own error
     */
    public MalformedFormException(String message, Throwable cause) {
        super(message, cause);
        this.status = 400;
    }

    @Override
    public int status() {
        return status;
    }
}
