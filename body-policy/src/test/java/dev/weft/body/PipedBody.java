package dev.weft.body;

import dev.weft.api.Body;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A body fed by another thread, like a protocol feeding a handler: a small bounded queue (the
 * producer blocks when the parser is slow, as flow control would), an end, or a failure (a
 * reset or disconnect). An interrupt of the reading thread gives {@link InterruptedIOException},
 * as a real request body does.
 *
 * <p>Threading: one producer thread, one reader thread; the queue is the hand-off.
 */
final class PipedBody implements Body {
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
    /** Owned by the reader thread. */
    private boolean ended;

    void send(byte[] chunk) throws InterruptedException {
        queue.put(chunk);
    }

    void end() throws InterruptedException {
        queue.put(END);
    }

    void fail(IOException failure) throws InterruptedException {
        queue.put(failure);
    }

    @Override
    public StreamContent next() throws IOException {
        if (ended) {
            return StreamContent.END;
        }
        Object next;
        try {
            next = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("request body read interrupted");
        }
        if (next == END) {
            ended = true;
            return StreamContent.END;
        }
        if (next instanceof IOException failure) {
            throw failure;
        }
        return StreamContent.Data.of((byte[]) next);
    }
}
