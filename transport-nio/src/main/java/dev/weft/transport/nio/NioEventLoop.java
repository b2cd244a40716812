package dev.weft.transport.nio;

import dev.weft.spi.Cancellable;
import dev.weft.spi.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread owning a set of connections, their timers and a shared read buffer.
 *
 * <p>Ownership: {@link #timers}, {@link #connections} and {@link #readBuffer} belong to the loop
 * thread alone. Other threads only touch {@link #tasks} (a concurrent queue) and
 * {@link #awake} (to decide whether the selector needs a wake-up).
 */
final class NioEventLoop implements EventLoop, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NioEventLoop.class);

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while the loop is running tasks and selected keys, so execute() need not wake it. */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final Set<NioConnection> connections = new HashSet<>();
    private final ByteBuffer readBuffer;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean running = true;
    /** Loop thread only: stop once the last connection has closed. */
    private boolean stopWhenEmpty;
    private long timerSequence;

    NioEventLoop(String name, int readBufferSize) throws IOException {
        this.selector = Selector.open();
        this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
        this.thread = Thread.ofPlatform().name(name).unstarted(this);
    }

    void start() {
        thread.start();
    }

    Selector selector() {
        return selector;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    CompletableFuture<Void> terminated() {
        return terminated;
    }

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inEventLoop() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        Timer timer = new Timer(System.nanoTime() + Math.max(0, delay.toNanos()), task);
        if (inEventLoop()) {
            timer.sequence = timerSequence++;
            timers.add(timer);
        } else {
            execute(() -> {
                timer.sequence = timerSequence++;
                timers.add(timer);
            });
        }
        return timer;
    }

    void register(NioConnection connection) {
        connections.add(connection);
    }

    void deregister(NioConnection connection) {
        connections.remove(connection);
        if (stopWhenEmpty && connections.isEmpty()) {
            running = false;
        }
    }

    /** @return a snapshot of the connections, for shutdown and idle sweeps. Loop thread only. */
    List<NioConnection> connectionsSnapshot() {
        return new ArrayList<>(connections);
    }

    /** Ends the loop once its connections are gone (or at once if there are none). Loop thread only. */
    void stopWhenEmpty() {
        stopWhenEmpty = true;
        if (connections.isEmpty()) {
            running = false;
        }
    }

    /** Ends the loop after the current pass, whatever is open. Any thread. */
    void stopNow() {
        execute(() -> running = false);
    }

    @Override
    public void run() {
        try {
            while (running) {
                awake.set(false);
                long timeoutMillis = tasks.isEmpty() ? millisUntilNextTimer() : -1;
                int ready;
                if (timeoutMillis < 0) {
                    ready = selector.selectNow();
                } else {
                    ready = selector.select(timeoutMillis);
                }
                awake.set(true);
                if (ready > 0) {
                    processSelectedKeys();
                }
                runTasks();
                runDueTimers();
            }
        } catch (Throwable fatal) {
            LOG.error("event loop {} failed", thread.getName(), fatal);
        } finally {
            for (NioConnection connection : connectionsSnapshot()) {
                connection.closeNow(null, true);
            }
            runTasks();
            try {
                selector.close();
            } catch (IOException e) {
                LOG.debug("closing selector: {}", e.toString());
            }
            terminated.complete(null);
        }
    }

    private long millisUntilNextTimer() {
        Timer next = timers.peek();
        if (next == null) {
            return 0; // select(0) blocks until woken
        }
        long nanos = next.deadline - System.nanoTime();
        if (nanos <= 0) {
            return -1;
        }
        return Math.max(1, nanos / 1_000_000);
    }

    private void processSelectedKeys() {
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            Object attachment = key.attachment();
            try {
                if (attachment instanceof NioConnection connection) {
                    connection.onReady(key);
                } else if (attachment instanceof NioListener listener) {
                    listener.acceptReady();
                }
            } catch (RuntimeException e) {
                LOG.error("unexpected failure handling a selected key", e);
                if (attachment instanceof NioConnection connection) {
                    connection.closeNow(e, true);
                }
            }
        }
    }

    private void runTasks() {
        // Bounded per pass so a task that keeps re-submitting itself cannot starve I/O.
        int budget = 4096;
        Runnable task;
        while (budget-- > 0 && (task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("event loop task failed", e);
            }
        }
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        Timer timer;
        while ((timer = timers.peek()) != null && timer.deadline <= now) {
            timers.poll();
            if (!timer.cancelled) {
                try {
                    timer.task.run();
                } catch (RuntimeException e) {
                    LOG.error("event loop timer failed", e);
                }
            }
        }
    }

    /** A scheduled task; ordered by deadline, then by scheduling order. */
    private static final class Timer implements Comparable<Timer>, Cancellable {
        final long deadline;
        final Runnable task;
        long sequence;
        volatile boolean cancelled;

        Timer(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }
}
