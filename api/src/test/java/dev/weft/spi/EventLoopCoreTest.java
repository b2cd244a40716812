package dev.weft.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The event-loop core both transports share, driven from the test thread as if it were the loop
 * (bound to it), with a clock that moves only when told.
 */
class EventLoopCoreTest {
    private long now = 1_000;
    private final AtomicInteger wakeUps = new AtomicInteger();
    private final EventLoopCore core = new EventLoopCore("test", wakeUps::incrementAndGet, () -> now);
    private final List<String> ran = new ArrayList<>();

    EventLoopCoreTest() {
        core.bind(Thread.currentThread());
    }

    private void fromOtherThread(Runnable action) throws InterruptedException {
        Thread other = Thread.ofVirtual().start(action);
        other.join();
    }

    @Test
    void timersRunByDeadlineThenInSchedulingOrder() {
        core.schedule(() -> ran.add("b at 20"), Duration.ofNanos(20));
        core.schedule(() -> ran.add("a at 10"), Duration.ofNanos(10));
        core.schedule(() -> ran.add("c at 20"), Duration.ofNanos(20));
        core.runDueTimers();
        assertEquals(List.of(), ran, "nothing is due yet");
        now += 10;
        core.runDueTimers();
        assertEquals(List.of("a at 10"), ran);
        now += 10;
        core.runDueTimers();
        assertEquals(List.of("a at 10", "b at 20", "c at 20"), ran);
    }

    @Test
    void cancelledTimerNeverRuns() {
        Cancellable timer = core.schedule(() -> ran.add("cancelled"), Duration.ofNanos(5));
        timer.cancel();
        timer.cancel(); // idempotent
        now += 5;
        core.runDueTimers();
        assertEquals(List.of(), ran);
    }

    @Test
    void timersOrderAcrossNanoTimeWrapping() {
        now = Long.MAX_VALUE - 5;
        core.schedule(() -> ran.add("after the wrap"), Duration.ofNanos(10));
        core.schedule(() -> ran.add("before the wrap"), Duration.ofNanos(2));
        assertEquals(2, core.nanosToNextTimer());
        now += 10; // wraps to negative
        core.runDueTimers();
        assertEquals(List.of("before the wrap", "after the wrap"), ran);
    }

    @Test
    void nanosToNextTimerSaysNoneDueOrHowLong() {
        assertEquals(Long.MAX_VALUE, core.nanosToNextTimer());
        core.schedule(() -> { }, Duration.ofMillis(3));
        assertEquals(3_000_000, core.nanosToNextTimer());
        now += 4_000_000;
        assertEquals(0, core.nanosToNextTimer(), "overdue is 0, never negative");
    }

    @Test
    void timerScheduledFromAnotherThreadArrivesThroughTheQueue() throws InterruptedException {
        fromOtherThread(() -> core.schedule(() -> ran.add("timer"), Duration.ZERO));
        assertEquals(Long.MAX_VALUE, core.nanosToNextTimer(), "not in the heap until the loop runs its tasks");
        core.runTasks();
        core.runDueTimers();
        assertEquals(List.of("timer"), ran);
    }

    @Test
    void sleepingLoopIsWokenOnceAndBusyLoopNever() throws InterruptedException {
        fromOtherThread(() -> core.execute(() -> ran.add("while busy")));
        assertEquals(0, wakeUps.get(), "a loop that has not announced a sleep needs no wake-up");
        assertTrue(core.beforeWait(), "queued tasks: the wait must not block");
        core.afterWait();
        core.runTasks();
        assertFalse(core.beforeWait(), "nothing queued: the loop may block");
        fromOtherThread(() -> {
            core.execute(() -> ran.add("first"));
            core.execute(() -> ran.add("second"));
        });
        assertEquals(1, wakeUps.get(), "one wake-up for a sleep, however many tasks");
        core.afterWait();
        fromOtherThread(() -> core.execute(() -> ran.add("after waking")));
        assertEquals(1, wakeUps.get());
        core.runTasks();
        assertEquals(List.of("while busy", "first", "second", "after waking"), ran);
    }

    @Test
    void loopThreadNeverWakesItself() {
        core.beforeWait();
        core.execute(() -> ran.add("own task"));
        assertEquals(0, wakeUps.get());
    }

    @Test
    void runTasksRunsOnlyWhatWasQueuedSoSelfResubmittingTaskCannotStarveIo() {
        AtomicInteger runs = new AtomicInteger();
        Runnable again = new Runnable() {
            @Override
            public void run() {
                runs.incrementAndGet();
                core.execute(this);
            }
        };
        core.execute(again);
        core.runTasks();
        assertEquals(1, runs.get());
        core.runTasks();
        assertEquals(2, runs.get());
        assertTrue(core.hasTasks());
    }

    @Test
    void failingTaskOrTimerIsLoggedAndTheRestStillRun() {
        core.execute(() -> {
            throw new IllegalStateException("task failure for a test");
        });
        core.execute(() -> ran.add("task after"));
        core.schedule(() -> {
            throw new IllegalStateException("timer failure for a test");
        }, Duration.ZERO);
        core.schedule(() -> ran.add("timer after"), Duration.ZERO);
        core.runTasks();
        core.runDueTimers();
        assertEquals(List.of("task after", "timer after"), ran);
    }

    @Test
    void removeTakesBackAQueuedTaskAndDrainRunsEverything() {
        Runnable taken = () -> ran.add("taken back");
        core.execute(taken);
        core.execute(() -> {
            ran.add("drained");
            core.execute(() -> ran.add("queued while draining"));
        });
        assertTrue(core.remove(taken));
        assertFalse(core.remove(taken));
        core.drainTasks();
        assertEquals(List.of("drained", "queued while draining"), ran);
        assertFalse(core.hasTasks());
    }
}
