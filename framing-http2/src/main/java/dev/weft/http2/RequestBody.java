package dev.weft.http2;

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
 * <p>Memory is bounded by flow control, not here: the loop offers only what the peer may send
 * within the window we advertised, and each chunk the handler takes (or {@link #close()}
 * discards) is reported to {@code consumed}, which credits the peer with WINDOW_UPDATE. A slow
 * handler thus throttles its peer.
 *
 * <p>Threading: {@link #offer}, {@link #end} and {@link #fail} are called on the loop thread,
 * {@link #next} on the handler thread, {@link #close} on any; all state is guarded by
 * {@code lock} (a {@link ReentrantLock}, which does not pin virtual threads). {@code consumed} is
 * called outside the lock.
 */
final class RequestBody implements Body {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final IntConsumer consumed;
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

    /**
     * @param contentLength the declared length, or -1
     * @param consumed told how many octets were taken or discarded; any thread
     */
    RequestBody(long contentLength, IntConsumer consumed) {
        this.contentLength = contentLength;
        this.consumed = consumed;
    }

    /** Loop: more data. */
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
        consumed.accept(length); // nobody will read it: give the window back at once
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

    /** Any thread: the stream is gone; a waiting or later read raises {@code cause}. */
    void fail(IOException cause) {
        int discarded = 0;
        lock.lock();
        try {
            if (failure != null || (ended && chunks.isEmpty() && trailersDelivered)) {
                return; // already failed, or complete: a finished body keeps answering END
            }
            failure = cause;
            discarded = drainLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        consumed.accept(discarded);
    }

    /** @return whether the peer finished sending */
    boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public StreamContent next() throws IOException {
        ByteBuffer chunk;
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
