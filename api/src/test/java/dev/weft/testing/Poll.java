package dev.weft.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that has no event to wait on (a file deleted, a descriptor closed, a
 * counter reached), checking it every few milliseconds until a deadline. The one place the test
 * suites poll: a deadline, never a fixed sleep that hopes the race is over.
 */
public final class Poll {
    private static final Duration INTERVAL = Duration.ofMillis(10);

    private Poll() {
    }

    /**
     * @param what said in the failure, e.g. "temp files deleted"
     * @param within how long the condition gets
     * @param condition checked until true; may itself fail an assertion to stop early
     * @throws AssertionError if the condition is still false at the deadline
     */
    public static void until(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(INTERVAL);
        }
    }
}
