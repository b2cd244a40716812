package dev.weft.testing;

import java.time.Duration;

/**
 * Waits for a condition that has no event to wait on (a file deleted, a descriptor closed, a
 * counter reached), checking it every few milliseconds until a deadline. The one place the test
 * suites poll: a deadline, never a fixed sleep that hopes the race is over.
 */
public final class Poll {
    private static final Duration INTERVAL = Duration.ofMillis(10);

    private Poll() {
    }

    /** A condition that may read files or /proc on the way (their IOException fails the wait). */
    @FunctionalInterface
    public interface Condition {
        boolean test() throws Exception;
    }

    /**
     * @param what said in the failure, e.g. "temp files deleted"
     * @param within how long the condition gets
     * @param condition checked until true; may itself fail an assertion to stop early
     * @throws AssertionError if the condition is still false at the deadline, or threw a checked exception
     */
    public static void until(String what, Duration within, Condition condition) throws InterruptedException {
        until(what, within, condition, () -> "");
    }

    /**
     * As {@link #until(String, Duration, Condition)}, with what was last seen in the failure.
     *
     * @param lastSeen describes the state the condition last saw (e.g. the metrics it read)
     */
    public static void until(String what, Duration within, Condition condition, java.util.function.Supplier<String> lastSeen)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!test(what, condition)) {
            if (System.nanoTime() > deadline) {
                String seen = lastSeen.get();
                throw new AssertionError("not within " + within + ": " + what + (seen == null || seen.isEmpty() ? "" : "; last seen " + seen));
            }
            Thread.sleep(INTERVAL);
        }
    }

    private static boolean test(String what, Condition condition) throws InterruptedException {
        try {
            return condition.test();
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("checking " + what + " failed: " + e, e);
        }
    }
}
