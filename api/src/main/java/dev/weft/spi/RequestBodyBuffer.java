package dev.weft.spi;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A request body fed by a connection's event loop and pulled by the handler's (virtual) thread:
 * the hand-over every protocol needs between the two, written once (HTTP/2 and HTTP/1.1 use it).
 *
 * <p>Memory is bounded by the protocol, not here: it offers only what it let the peer send
 * (HTTP/2: the window it advertised; HTTP/1.1: reads paused above a watermark), and each chunk
 * the handler takes (or {@link #close()} or {@link #fail} discards) is reported to
 * {@code consumed}, which lets the peer send more (WINDOW_UPDATE, reads resumed). A slow handler
 * thus throttles its peer. Quotas and temp files are the body policy's, which reads this body.
 *
 * <p>Life: data ({@link #offer}) until {@link #end} (then the trailers, if any, then
 * {@link StreamContent#END} for ever) or {@link #fail} (then the failure for ever); a finished
 * body ignores a late failure; {@link #close()} discards what is left and ends it for the reader.
 *
 * <p>Threading: {@link #offer}, {@link #end} are called on the loop, {@link #next} on the handler
 * thread, {@link #fail} and {@link #close} on any; all state is guarded by {@code lock} (a
 * {@link ReentrantLock}, which does not pin virtual threads). The callbacks are called outside it.
 */
public class RequestBodyBuffer implements Body {
    private static final Runnable NOTHING = () -> { };

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final IntConsumer consumed;
    private final Runnable firstRead;
    private final long contentLength;
    /** Guarded by lock. */
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    /** Guarded by lock: octets offered, for the access log and metrics. */
    private long received;
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
    /** Guarded by lock: whether {@code firstRead} has been called (or will never be). */
    private boolean readStarted;

    /**
     * @param contentLength the declared length, or -1
     * @param consumed told how many octets were taken or discarded; any thread
     */
    public RequestBodyBuffer(long contentLength, IntConsumer consumed) {
        this(contentLength, consumed, NOTHING);
    }

    /**
     * @param contentLength the declared length, or -1
     * @param consumed told how many octets were taken or discarded; any thread
     * @param firstRead called once, on the handler thread, when the handler first asks for data
     *                  while the body is still open (HTTP/1.1 sends {@code 100 Continue} then)
     */
    public RequestBodyBuffer(long contentLength, IntConsumer consumed, Runnable firstRead) {
        this.contentLength = contentLength;
        this.consumed = Objects.requireNonNull(consumed, "consumed is null");
        this.firstRead = Objects.requireNonNull(firstRead, "firstRead is null");
    }

    /** Loop: more data, owned by this body from now on (an empty buffer is ignored). */
    public final void offer(ByteBuffer data) {
        int length = data.remaining();
        if (length == 0) {
            return;
        }
        lock.lock();
        try {
            received += length;
            if (!closed && failure == null) {
                chunks.add(data);
                changed.signalAll();
                return;
            }
        } finally {
            lock.unlock();
        }
        consumed.accept(length); // nobody will read it: let the peer send on at once
    }

    /** Loop: the request ended, with these trailers (possibly empty). */
    public final void end(Headers requestTrailers) {
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
    public final void fail(IOException cause) {
        int discarded;
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
    public final boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /** @return the octets the peer sent so far, read or not */
    public final long received() {
        lock.lock();
        try {
            return received;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final StreamContent next() throws IOException {
        if (firstReadDue()) {
            firstRead.run();
        }
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

    /** @return whether this read is the first of a body still open (then {@code firstRead} runs, outside the lock) */
    private boolean firstReadDue() {
        if (firstRead == NOTHING) {
            return false;
        }
        lock.lock();
        try {
            if (readStarted) {
                return false;
            }
            readStarted = true;
            return !ended && failure == null && !closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final OptionalLong contentLength() {
        return contentLength >= 0 ? OptionalLong.of(contentLength) : OptionalLong.empty();
    }

    @Override
    public final Headers trailers() {
        lock.lock();
        try {
            return trailersDelivered ? trailers : Headers.empty();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final void close() {
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
