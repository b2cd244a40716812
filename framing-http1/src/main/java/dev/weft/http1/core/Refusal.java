package dev.weft.http1.core;

/** A broken rule; becomes {@link RequestEvent.Malformed}. */
final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Refusal(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }
}
