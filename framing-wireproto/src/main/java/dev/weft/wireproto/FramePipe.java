package dev.weft.wireproto;

import dev.weft.api.Body;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded pipe from a session writing frames ({@link #output()}) to a response body the
 * server pulls ({@link #body()}). The writer blocks while {@code capacity} bytes wait, so a
 * peer that does not read its answers holds up the session, not the heap.
 *
 * <p>Threading: one writer, one reader; state guarded by {@code lock}.
 */
final class FramePipe {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long capacity;
    // Guarded by lock.
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    private long queued;
    private boolean writerClosed;
    private boolean readerClosed;
    private IOException failure;

    FramePipe(long capacity) {
        this.capacity = capacity;
    }

    /** Ends the pipe with an error the reader sees after the queued bytes are dropped. */
    void fail(IOException cause) {
        lock.lock();
        try {
            failure = cause;
            chunks.clear();
            queued = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                lock.lock();
                try {
                    while (queued >= capacity && !readerClosed && !writerClosed) {
                        try {
                            changed.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted while writing the wireproto answer");
                        }
                    }
                    if (readerClosed) {
                        throw new IOException("the HTTP peer stopped reading the wireproto answer");
                    }
                    if (writerClosed) {
                        throw new IOException("pipe closed");
                    }
                    if (length > 0) {
                        chunks.addLast(ByteBuffer.wrap(Arrays.copyOfRange(bytes, offset, offset + length)));
                        queued += length;
                        changed.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void close() {
                lock.lock();
                try {
                    writerClosed = true;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    Body body() {
        return new Body() {
            @Override
            public StreamContent next() throws IOException {
                lock.lock();
                try {
                    while (chunks.isEmpty() && !writerClosed && failure == null && !readerClosed) {
                        try {
                            changed.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted while waiting for the wireproto answer");
                        }
                    }
                    if (failure != null) {
                        throw new IOException(failure.getMessage(), failure);
                    }
                    if (chunks.isEmpty()) {
                        return StreamContent.END;
                    }
                    ByteBuffer chunk = chunks.removeFirst();
                    queued -= chunk.remaining();
                    changed.signalAll();
                    return new StreamContent.Data(chunk);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void close() {
                lock.lock();
                try {
                    readerClosed = true;
                    chunks.clear();
                    queued = 0;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
    }
}
