package dev.weft.spi;

/** A scheduled task that may be called off. Thread-safe. */
@FunctionalInterface
public interface Cancellable {
    /** Calls the task off if it has not run yet; idempotent. */
    void cancel();
}
