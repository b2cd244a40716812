package dev.weft.wireproto;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Runs one connection's commands on the handler executor. {@link Mode#SERIAL} (revision
 * {@code 0001}, whose answers must come in order): one task runs them one at a time, in order.
 * {@link Mode#CONCURRENT} (revision {@code 0002}): a command starts as soon as it is submitted,
 * so a slow one holds back no other. There are always as many worker tasks as commands
 * submitted and not ended (never a queued command with no free worker), but a worker that ends
 * its command takes the next queued one before leaving, so a stream of quick pipelined commands
 * does not start a task for each. The carrier bounds how many are submitted
 * (the reactor's commands in flight against {@link WireprotoLimits#maxPendingCommands()}).
 *
 * <p>Threading: all state is guarded by {@code lock}; any thread may call any method. Decisions
 * are made under the lock; the command itself runs outside it.
 */
final class CommandWorkers {
    /** How commands are scheduled. */
    enum Mode {
        /** One at a time, in submission order. */
        SERIAL,
        /** Each on its own task at once. */
        CONCURRENT
    }

    /**
     * A command to run.
     *
     * @param command what to run
     * @param body its data, or {@code null} if it has none (failed if the command never runs)
     */
    record Job(ServerAction.RunCommand command, CommandBody body) {
    }

    private final Executor executor;
    private final Mode mode;
    private final Consumer<Job> run;
    private final Runnable onJobDone;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    // Guarded by lock.
    private final ArrayDeque<Job> queued = new ArrayDeque<>();
    private final Set<Thread> running = new HashSet<>();
    private int outstanding;
    /** Worker tasks started and not yet left. */
    private int workers;
    private boolean stopped;
    private IOException stopCause;

    /**
     * @param executor runs the commands (the context's handler executor)
     * @param mode serial or concurrent
     * @param run runs one job to its end (never throws: see {@link CommandRunner#run})
     * @param onJobDone told after each job ends, run or dropped (on the job's thread, or the stopper's)
     */
    CommandWorkers(Executor executor, Mode mode, Consumer<Job> run, Runnable onJobDone) {
        this.executor = executor;
        this.mode = mode;
        this.run = run;
        this.onJobDone = onJobDone;
    }

    /** Runs {@code job} (now, or after those before it in serial mode); after a stop, fails it. */
    void submit(Job job) {
        boolean start;
        IOException refused = null;
        lock.lock();
        try {
            refused = stopCause;
            if (stopped) {
                start = false;
            } else {
                outstanding++;
                queued.addLast(job);
                start = workers < (mode == Mode.SERIAL ? 1 : outstanding);
                if (start) {
                    workers++;
                }
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            drop(job, refused);
            onJobDone.run();
            return;
        }
        if (start) {
            try {
                executor.execute(this::work);
            } catch (RejectedExecutionException e) {
                lock.lock();
                try {
                    workers--;
                } finally {
                    lock.unlock();
                }
                stop(new IOException("handler executor refused the command", e));
            }
        }
    }

    /** Waits until every submitted job has ended. */
    void awaitIdle() throws InterruptedException {
        lock.lock();
        try {
            while (outstanding > 0) {
                idle.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * No more commands: queued ones fail with {@code cause} without running, running ones are
     * interrupted (their sink fails too, since the carrier closes it). Idempotent.
     */
    void stop(IOException cause) {
        ArrayDeque<Job> dropped;
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            stopCause = cause;
            dropped = new ArrayDeque<>(queued);
            queued.clear();
            // Interrupted under the lock, so that a thread cannot finish its command and move on
            // to another task between the decision and the interrupt.
            for (Thread thread : running) {
                thread.interrupt();
            }
        } finally {
            lock.unlock();
        }
        for (Job job : dropped) {
            drop(job, cause);
            ended();
        }
    }

    /** Runs queued jobs, in order, until none is left. */
    private void work() {
        while (true) {
            Job job;
            lock.lock();
            try {
                job = queued.pollFirst();
                if (job == null) {
                    workers--;
                    return;
                }
                running.add(Thread.currentThread());
            } finally {
                lock.unlock();
            }
            try {
                run.accept(job);
            } finally {
                lock.lock();
                try {
                    running.remove(Thread.currentThread());
                } finally {
                    lock.unlock();
                }
                // An interrupt meant for this job must not reach the next one on this thread.
                Thread.interrupted();
                ended();
            }
        }
    }

    private void ended() {
        onJobDone.run();
        lock.lock();
        try {
            outstanding--;
            idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void drop(Job job, IOException cause) {
        if (job.body() != null) {
            job.body().fail(cause);
        }
    }
}
