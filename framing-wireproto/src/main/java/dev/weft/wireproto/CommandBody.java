package dev.weft.wireproto;

import dev.weft.api.Body;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A command's data as its handler reads it: chunks the carrier hands in, buffered up to a
 * window. Over the window the carrier stops reading from the peer (it blocks in
 * {@link #put}, or pauses reads after {@link #offer} says so and resumes on the drained
 * callback), so a slow handler throttles its peer and memory stays bounded.
 *
 * <p>Threading: one producer (the carrier) and one consumer (the handler's thread); all
 * state is guarded by {@code lock}. The drained callback runs on the consumer's thread,
 * outside the lock.
 */
final class CommandBody implements Body {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final int window;
    private final Runnable onDrained;
    // Guarded by lock.
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    private long buffered;
    private boolean ended;
    private boolean closed;
    private IOException failure;

    /**
     * @param window bytes buffered before the producer must stop
     * @param onDrained told when the buffer falls back under the window after being full
     */
    CommandBody(int window, Runnable onDrained) {
        this.window = window;
        this.onDrained = onDrained;
    }

    /**
     * Hands in a chunk without blocking.
     *
     * @return whether the buffer is still under the window (false: stop reading until the
     *     drained callback)
     */
    boolean offer(ByteBuffer data, boolean last) {
        lock.lock();
        try {
            add(data, last);
            return buffered < window;
        } finally {
            lock.unlock();
        }
    }

    /** Hands in a chunk, first waiting while the buffer is at its window. */
    void put(ByteBuffer data, boolean last) throws InterruptedException {
        lock.lock();
        try {
            while (buffered >= window && !closed && failure == null) {
                changed.await();
            }
            add(data, last);
        } finally {
            lock.unlock();
        }
    }

    /** Ends the body with an error: the handler's next read throws it. */
    void fail(IOException cause) {
        lock.lock();
        try {
            if (!ended || !chunks.isEmpty()) {
                failure = cause;
                chunks.clear();
                buffered = 0;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public StreamContent next() throws IOException {
        boolean drained;
        ByteBuffer chunk;
        lock.lock();
        try {
            while (chunks.isEmpty() && !ended && failure == null && !closed) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for command data");
                }
            }
            if (failure != null) {
                throw new IOException(failure.getMessage(), failure);
            }
            if (chunks.isEmpty()) {
                return StreamContent.END;
            }
            boolean wasFull = buffered >= window;
            chunk = chunks.removeFirst();
            buffered -= chunk.remaining();
            drained = wasFull && buffered < window;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (drained) {
            onDrained.run();
        }
        return new StreamContent.Data(chunk);
    }

    @Override
    public void close() {
        boolean wasFull;
        lock.lock();
        try {
            wasFull = buffered >= window;
            closed = true;
            chunks.clear();
            buffered = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (wasFull) {
            onDrained.run();
        }
    }

    private void add(ByteBuffer data, boolean last) {
        // After the handler closed the body its data is dropped: it said it wants no more.
        if (!closed && failure == null && data.hasRemaining()) {
            chunks.addLast(data);
            buffered += data.remaining();
        }
        if (last) {
            ended = true;
        }
        changed.signalAll();
    }
}
