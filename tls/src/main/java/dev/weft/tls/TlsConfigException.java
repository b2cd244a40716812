package dev.weft.tls;

/**
 * TLS credentials that cannot be used: a missing or unreadable PEM file, a key in a form this
 * reader does not take, a key that does not belong to the certificate, a development
 * certificate that could not be made. The message is one line for the user, with the way out.
 */
public final class TlsConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line saying what is wrong and what to do */
    public TlsConfigException(String message) {
        super(message);
    }

    /** @param message one line saying what is wrong and what to do; @param cause the underlying error */
    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
