package dev.weft.transport.nio;

import dev.weft.spi.Cancellable;
import dev.weft.spi.EventLoop;
import dev.weft.spi.EventLoopCore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread owning a set of connections, their timers and a shared read buffer.
 *
 * <p>Ownership: {@link #connections} and {@link #readBuffer} belong to the loop thread alone;
 * the task queue, wake-up and timers are the shared {@link EventLoopCore}'s (its own rules:
 * other threads only queue tasks), with {@code Selector.wakeup} as its waker.
 */
final class NioEventLoop implements EventLoop, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NioEventLoop.class);

    private final Selector selector;
    private final Thread thread;
    private final EventLoopCore core;
    private final Set<NioConnection> connections = new HashSet<>();
    private final ByteBuffer readBuffer;
    /** Connections whose flush, asked for by a task, waits for the end of the task pass. Loop thread. */
    private final List<NioConnection> flushAfterTasks = new ArrayList<>();
    /** Loop thread: whether {@link #runTasks} is running, so that flushes may be coalesced. */
    private boolean inTasks;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean running = true;
    /** Loop thread only: stop once the last connection has closed. */
    private boolean stopWhenEmpty;

    NioEventLoop(String name, int readBufferSize) throws IOException {
        this.selector = Selector.open();
        this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
        this.thread = Thread.ofPlatform().name(name).unstarted(this);
        this.core = new EventLoopCore(name, selector::wakeup);
        core.bind(thread);
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
        return core.inEventLoop();
    }

    @Override
    public void execute(Runnable task) {
        core.execute(task);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        return core.schedule(task, delay);
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
                long timeoutMillis = core.beforeWait() ? -1 : millisUntilNextTimer();
                int ready;
                if (timeoutMillis < 0) {
                    ready = selector.selectNow();
                } else {
                    ready = selector.select(timeoutMillis);
                }
                core.afterWait();
                if (ready > 0) {
                    processSelectedKeys();
                }
                runTasks();
                core.runDueTimers();
            }
        } catch (Throwable fatal) {
            LOG.error("event loop {} failed", thread.getName(), fatal);
        } finally {
            for (NioConnection connection : connectionsSnapshot()) {
                connection.closeNow(null, true);
            }
            core.drainTasks();
            try {
                selector.close();
            } catch (IOException e) {
                LOG.debug("closing selector: {}", e.toString());
            }
            terminated.complete(null);
        }
    }

    /** @return the select timeout: 0 blocks until woken (no timer), -1 selects now (one is due) */
    private long millisUntilNextTimer() {
        long nanos = core.nanosToNextTimer();
        if (nanos == Long.MAX_VALUE) {
            return 0; // select(0) blocks until woken
        }
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
        inTasks = true;
        try {
            core.runTasks();
        } finally {
            inTasks = false;
        }
        flushCoalesced();
    }

    /**
     * Whether a flush asked for now can wait for the end of the task pass. Handler threads hand
     * each response piece to the loop as its own task, and each used to end in a write syscall;
     * sending them together makes one gathering write per connection and pass instead.
     */
    boolean coalescingFlushes() {
        return inTasks && NioConnection.COALESCE_FLUSHES;
    }

    /** Queues {@code connection}'s flush for the end of the task pass. Loop thread. */
    void flushAfterTasks(NioConnection connection) {
        flushAfterTasks.add(connection);
    }

    private void flushCoalesced() {
        for (int i = 0; i < flushAfterTasks.size(); i++) {
            try {
                flushAfterTasks.get(i).flushCoalesced();
            } catch (RuntimeException e) {
                LOG.error("coalesced flush failed", e);
            }
        }
        flushAfterTasks.clear();
    }
}
