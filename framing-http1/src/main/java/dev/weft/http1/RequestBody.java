package dev.weft.http1;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A request body fed by the connection's loop and pulled by the handler's virtual thread.
 *
 * <p>Memory is bounded by the connection, not here: it stops reading from the socket while
 * more than {@link Http1Connection#BODY_HIGH_WATERMARK} bytes wait in bodies, and each chunk the
 * handler takes (or {@link #close()} discards) is reported to {@code consumed}, which lets it
 * read again. A slow handler thus throttles its peer through TCP.
 *
 * <p>Threading: {@link #offer}, {@link #end} and {@link #fail} are called on the loop thread,
 * {@link #next} on the handler thread, {@link #close} on any; all state is guarded by
 * {@code lock} (a {@link ReentrantLock}, which does not pin virtual threads). The callbacks are
 * called outside the lock.
 */
final class RequestBody implements Body {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final IntConsumer consumed;
    private final Runnable firstRead;
    private final long contentLength;
    /** Guarded by lock. */
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    /** Guarded by lock. */
    private boolean ended;
    /** Guarded by lock. */
    private Headers trailers = Headers.empty();
    /** Guarded by lock. */
    private boolean trailersDelivered;
    /** Guarded by lock. */
    private IOException failure;
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock: whether {@code firstRead} has been called. */
    private boolean readStarted;

    /**
     * @param contentLength the declared length, or -1
     * @param consumed told how many octets were taken or discarded; any thread
     * @param firstRead called once when the handler first asks for data (sends 100 Continue); any thread
     */
    RequestBody(long contentLength, IntConsumer consumed, Runnable firstRead) {
        this.contentLength = contentLength;
        this.consumed = consumed;
        this.firstRead = firstRead;
    }

    /** Loop: more data (owned by this body from now on). */
    void offer(ByteBuffer data) {
        int length = data.remaining();
        if (length == 0) {
            return;
        }
        lock.lock();
        try {
            if (!closed && failure == null) {
                chunks.add(data);
                changed.signalAll();
                return;
            }
        } finally {
            lock.unlock();
        }
        consumed.accept(length); // nobody will read it
    }

    /** Loop: the request ended, with these trailers (possibly empty). */
    void end(Headers requestTrailers) {
        lock.lock();
        try {
            ended = true;
            trailers = requestTrailers;
            trailersDelivered = requestTrailers.isEmpty();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Any thread: the request is gone or broken; a waiting or later read raises {@code cause}. */
    void fail(IOException cause) {
        int discarded = 0;
        lock.lock();
        try {
            if (failure != null || (ended && chunks.isEmpty() && trailersDelivered)) {
                return; // a finished body keeps answering END
            }
            failure = cause;
            discarded = drainLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        consumed.accept(discarded);
    }

    @Override
    public StreamContent next() throws IOException {
        ByteBuffer chunk;
        boolean callFirstRead = false;
        lock.lock();
        try {
            if (!readStarted) {
                readStarted = true;
                callFirstRead = !ended && failure == null && !closed;
            }
        } finally {
            lock.unlock();
        }
        if (callFirstRead) {
            firstRead.run();
        }
        lock.lock();
        try {
            while (true) {
                if (failure != null) {
                    throw new IOException(failure.getMessage(), failure);
                }
                chunk = chunks.poll();
                if (chunk != null) {
                    break;
                }
                if (ended || closed) {
                    if (!trailersDelivered && !closed) {
                        trailersDelivered = true;
                        return new StreamContent.Trailers(trailers);
                    }
                    return StreamContent.END;
                }
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for request data");
                }
            }
        } finally {
            lock.unlock();
        }
        consumed.accept(chunk.remaining());
        return new StreamContent.Data(chunk);
    }

    @Override
    public OptionalLong contentLength() {
        return contentLength >= 0 ? OptionalLong.of(contentLength) : OptionalLong.empty();
    }

    @Override
    public Headers trailers() {
        lock.lock();
        try {
            return trailersDelivered ? trailers : Headers.empty();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        int discarded;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            discarded = drainLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        consumed.accept(discarded);
    }

    private int drainLocked() {
        int total = 0;
        for (ByteBuffer chunk : chunks) {
            total += chunk.remaining();
        }
        chunks.clear();
        return total;
    }
}
