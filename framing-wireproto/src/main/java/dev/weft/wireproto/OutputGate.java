package dev.weft.wireproto;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Back-pressure from a connection's event loop to a handler thread producing an answer: the
 * handler may hand at most {@code limit} bytes to the loop that the loop has not yet written,
 * and none while the connection is unwritable. The handler blocks, not the heap.
 *
 * <p>Threading: state guarded by {@code lock}; {@link #acquire} is called by the handler
 * thread, the rest by the loop (or by anyone, for {@link #close}).
 */
final class OutputGate {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long limit;
    // Guarded by lock.
    private long handedOff;
    private boolean writable = true;
    private boolean closed;

    OutputGate(long limit) {
        this.limit = limit;
    }

    /** Waits for room, then counts {@code bytes} as handed to the loop. */
    void acquire(long bytes) throws IOException {
        lock.lock();
        try {
            while (!closed && (!writable || (handedOff > 0 && handedOff + bytes > limit))) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to send");
                }
            }
            if (closed) {
                throw new IOException("connection closed");
            }
            handedOff += bytes;
        } finally {
            lock.unlock();
        }
    }

    /** The loop wrote (or dropped) {@code bytes} handed off earlier. */
    void released(long bytes) {
        lock.lock();
        try {
            handedOff -= bytes;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The connection's writability changed. */
    void writable(boolean value) {
        lock.lock();
        try {
            writable = value;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** No more output: waiting and future producers fail. Idempotent. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
