package dev.weft.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of an {@link EventLoop} that does not depend on how it waits for I/O, shared by the
 * NIO and epoll transports (issue 17): the task queue other threads hand work in through, the
 * wake-up decision, and the timer heap. A transport's loop owns one and drives it:
 *
 * <pre>{@code
 * while (running) {
 *     boolean mustNotBlock = core.beforeWait();      // announce the sleep, then look at the queue
 *     long timeout = mustNotBlock ? 0 : core.nanosToNextTimer();
 *     waitForIo(timeout);                             // Selector.select, epoll_wait
 *     core.afterWait();
 *     handleIo();
 *     core.runTasks();
 *     core.runDueTimers();
 * }
 * }</pre>
 *
 * <p>Wake-up: {@link #execute} from another thread calls the waker ({@code Selector.wakeup},
 * ringing an eventfd) only if the loop announced a sleep ({@link #beforeWait}) and nobody rang
 * since, so a busy loop gets no wake-up calls at all. The loop looks at the queue after the
 * announcement, so a task added in between is never missed.
 *
 * <p>Threading: {@link #execute}, {@link #schedule}, {@link #remove} and {@link #inEventLoop}
 * from any thread; everything else from the loop thread only, which owns the timer heap and
 * the timer sequence. The task queue is concurrent, the wake flag atomic.
 */
public final class EventLoopCore {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoopCore.class);

    private final String name;
    private final Runnable waker;
    private final LongSupplier nanoClock;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** False while the loop sleeps (or is about to) and nobody has woken it: the next execute wakes it. */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    /** Loop thread: timers by deadline, then by scheduling order. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /** Loop thread. */
    private long timerSequence;
    /** Set once by {@link #bind}. */
    private volatile Thread thread;

    /**
     * @param name the loop's name, for the log
     * @param waker makes the loop's wait return (any thread; must not block)
     */
    public EventLoopCore(String name, Runnable waker) {
        this(name, waker, System::nanoTime);
    }

    EventLoopCore(String name, Runnable waker, LongSupplier nanoClock) {
        this.name = Objects.requireNonNull(name, "name is null");
        this.waker = Objects.requireNonNull(waker, "waker is null");
        this.nanoClock = nanoClock;
    }

    /** Names the loop's thread, before it starts. */
    public void bind(Thread loopThread) {
        this.thread = Objects.requireNonNull(loopThread, "loopThread is null");
    }

    /** @return whether the calling thread is the loop's */
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /** Queues a task for the loop, waking it if it sleeps. Any thread. */
    public void execute(Runnable task) {
        tasks.add(Objects.requireNonNull(task, "task is null"));
        if (!inEventLoop() && awake.compareAndSet(false, true)) {
            waker.run();
        }
    }

    /** Takes a queued task back (a loop that terminated meanwhile). @return whether it was still queued */
    public boolean remove(Runnable task) {
        return tasks.remove(task);
    }

    /** Runs {@code task} on the loop after {@code delay}. Any thread. */
    public Cancellable schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task is null");
        Timer timer = new Timer(nanoClock.getAsLong() + Math.max(0, delay.toNanos()), task);
        if (inEventLoop()) {
            add(timer);
        } else {
            execute(() -> add(timer));
        }
        return timer;
    }

    /** Loop thread: runs {@code task} at {@code deadlineNanos} (of {@link System#nanoTime}). */
    public Cancellable scheduleAt(long deadlineNanos, Runnable task) {
        Timer timer = new Timer(deadlineNanos, Objects.requireNonNull(task, "task is null"));
        add(timer);
        return timer;
    }

    private void add(Timer timer) {
        timer.sequence = timerSequence++;
        timers.add(timer);
    }

    /**
     * Loop thread, just before waiting for I/O: announces the sleep, so that the next
     * {@link #execute} from another thread wakes the loop.
     *
     * @return whether tasks are queued, in which case the wait must not block
     */
    public boolean beforeWait() {
        awake.set(false);
        return !tasks.isEmpty();
    }

    /** Loop thread, once the wait returned: wake-ups are not needed until the next {@link #beforeWait}. */
    public void afterWait() {
        awake.set(true);
    }

    /** @return nanoseconds until the earliest timer (0 if one is due), or {@link Long#MAX_VALUE} if none. Loop thread. */
    public long nanosToNextTimer() {
        Timer next = timers.peek();
        if (next == null) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, next.deadlineNanos - nanoClock.getAsLong());
    }

    /** @return whether tasks are queued */
    public boolean hasTasks() {
        return !tasks.isEmpty();
    }

    /**
     * Loop thread: runs the tasks queued when it was called, not those they queue (they wait for
     * the next pass, so a task that keeps re-queueing itself cannot starve I/O). A task that
     * throws is logged; the others still run.
     */
    public void runTasks() {
        for (int budget = tasks.size(); budget > 0; budget--) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            runGuarded(task, "task");
        }
    }

    /** Loop thread, at the end: runs every task still queued, including those they queue. */
    public void drainTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            runGuarded(task, "late task");
        }
    }

    /** Loop thread: runs the timers that are due and not called off, earliest first. */
    public void runDueTimers() {
        long now = nanoClock.getAsLong();
        Timer timer;
        while ((timer = timers.peek()) != null && timer.deadlineNanos - now <= 0) {
            timers.poll();
            if (!timer.cancelled) {
                runGuarded(timer.task, "timer");
            }
        }
    }

    private void runGuarded(Runnable work, String what) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.error("{} failed on event loop {}", what, name, e);
        }
    }

    /** A task due at a deadline; loop-owned except {@link #cancelled}. */
    private static final class Timer implements Cancellable, Comparable<Timer> {
        final long deadlineNanos;
        final Runnable task;
        long sequence;
        volatile boolean cancelled;

        Timer(long deadlineNanos, Runnable task) {
            this.deadlineNanos = deadlineNanos;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            // By difference, not value: nanoTime may wrap.
            int byDeadline = Long.compare(deadlineNanos - other.deadlineNanos, 0);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }
}
