package dev.weft.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.api.Headers;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request body's hand-over between loop and handler, and the credit it gives back (HTTP/2 window, HTTP/1.1 reads). */
@Timeout(10)
class RequestBodyBufferTest {
    private final AtomicInteger credited = new AtomicInteger();
    private final RequestBodyBuffer body = new RequestBodyBuffer(-1, credited::addAndGet);

    @Test
    void creditsEachChunkAsTheHandlerTakesIt() throws IOException {
        body.offer(ByteBuffer.allocate(100));
        body.offer(ByteBuffer.allocate(50));
        assertEquals(0, credited.get(), "nothing credited before the handler reads");
        assertEquals(100, assertInstanceOf(StreamContent.Data.class, body.next()).bytes().remaining());
        assertEquals(100, credited.get());
        body.next();
        assertEquals(150, credited.get());
    }

    @Test
    void endsWithTrailersThenEnd() throws IOException {
        body.offer(ByteBuffer.allocate(1));
        body.end(Headers.of("x-sum", "1"));
        body.next();
        assertEquals("1", assertInstanceOf(StreamContent.Trailers.class, body.next()).headers().get("x-sum"));
        assertEquals(StreamContent.END, body.next());
        assertEquals(StreamContent.END, body.next());
        assertEquals("1", body.trailers().get("x-sum"));
    }

    @Test
    void closeDiscardsAndCreditsWhatIsBufferedAndLaterData() throws IOException {
        body.offer(ByteBuffer.allocate(70));
        body.close();
        assertEquals(70, credited.get());
        body.offer(ByteBuffer.allocate(30));
        assertEquals(100, credited.get());
        assertEquals(StreamContent.END, body.next());
    }

    @Test
    void failWakesABlockedReaderWithTheCause() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                body.next();
                thrown.complete(null);
            } catch (IOException e) {
                thrown.complete(e);
            }
        });
        body.offer(ByteBuffer.allocate(0)); // empty offers are ignored, the reader keeps waiting
        body.fail(new IOException("stream 1 reset by the peer"));
        Throwable cause = thrown.get(5, TimeUnit.SECONDS);
        assertEquals("stream 1 reset by the peer", cause.getMessage());
        reader.join();
    }

    @Test
    void interruptRaisesInterruptedIoException() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                body.next();
                thrown.complete(null);
            } catch (IOException e) {
                thrown.complete(e);
            }
        });
        reader.interrupt();
        assertInstanceOf(InterruptedIOException.class, thrown.get(5, TimeUnit.SECONDS));
    }

    @Test
    void finishedBodyIgnoresLateFailure() throws IOException {
        body.end(Headers.empty());
        assertEquals(StreamContent.END, body.next());
        body.fail(new IOException("late reset"));
        assertEquals(StreamContent.END, body.next());
    }

    @Test
    void failedBodyKeepsFailing() {
        body.offer(ByteBuffer.allocate(10));
        body.fail(new IOException("gone"));
        assertEquals(10, credited.get(), "buffered data credited back on failure");
        assertThrows(IOException.class, body::next);
    }

    @Test
    void countsEveryOctetReceivedReadOrNot() throws IOException {
        body.offer(ByteBuffer.allocate(40));
        body.offer(ByteBuffer.allocate(2));
        body.next();
        body.close();
        body.offer(ByteBuffer.allocate(8)); // discarded, still received
        assertEquals(50, body.received());
        assertEquals(50, credited.get());
    }

    @Test
    void firstReadRunsOnceBeforeTheFirstWaitAndNotForAFinishedBody() throws IOException {
        AtomicInteger continues = new AtomicInteger();
        RequestBodyBuffer waiting = new RequestBodyBuffer(3, credited::addAndGet, continues::incrementAndGet);
        waiting.offer(ByteBuffer.allocate(3));
        waiting.next();
        waiting.end(Headers.empty());
        assertEquals(StreamContent.END, waiting.next());
        assertEquals(1, continues.get(), "once, on the first read");
        assertEquals(3, waiting.contentLength().getAsLong());

        RequestBodyBuffer complete = new RequestBodyBuffer(0, credited::addAndGet, continues::incrementAndGet);
        complete.end(Headers.empty());
        assertEquals(StreamContent.END, complete.next());
        assertEquals(1, continues.get(), "a body already ended asks for nothing");
    }
}
