package dev.weft.wireproto;

import dev.weft.api.ProgressListener;
import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.EventLoop;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted connection for driving a {@link dev.weft.spi.ConnectionHandler} frame by frame:
 * its "event loop" is a task queue the test thread runs with {@link #runTasks}, so the loop
 * thread is the test thread and every step is deterministic.
 */
final class FakeConnection implements Connection, EventLoop {
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private volatile boolean readPaused;
    private volatile boolean outputShut;
    private volatile boolean open = true;

    @Override
    public long id() {
        return 1;
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 1);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 2);
    }

    @Override
    public EventLoop eventLoop() {
        return this;
    }

    @Override
    public synchronized void write(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        written.writeBytes(bytes);
    }

    @Override
    public void writeFile(FileChannel file, long position, long count, ProgressListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public long pendingOutputBytes() {
        return 0;
    }

    @Override
    public boolean zeroCopyFiles() {
        return false;
    }

    @Override
    public void setReadPaused(boolean paused) {
        readPaused = paused;
    }

    @Override
    public void shutdownOutput() {
        outputShut = true;
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public void abort() {
        open = false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean inEventLoop() {
        return true;
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        return () -> { };
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs queued loop tasks until {@code done} holds, waiting up to 10 s for tasks to arrive. */
    void runTasksUntil(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            Runnable task = tasks.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (task == null) {
                throw new AssertionError("condition not reached within 10 s");
            }
            task.run();
        }
    }

    boolean readPaused() {
        return readPaused;
    }

    boolean outputShut() {
        return outputShut;
    }

    synchronized byte[] written() {
        return written.toByteArray();
    }
}
