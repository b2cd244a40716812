package dev.weft.http1;

import dev.weft.api.BasicRequest;
import dev.weft.api.Body;
import dev.weft.api.Content;
import dev.weft.api.Handler;
import dev.weft.api.Headers;
import dev.weft.api.Response;
import dev.weft.api.StreamContent;
import dev.weft.http1.core.Http1Version;
import dev.weft.http1.core.RequestHead;
import dev.weft.http1.core.ResponseEncoder;
import dev.weft.http1.core.ResponseEncoder.Framing;
import dev.weft.spi.CompletedExchange;
import dev.weft.spi.ExchangeObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response. The handler runs in {@link #run()} on a virtual thread of its
 * own; the response is encoded on that thread and handed to the connection's loop in pieces
 * ({@link Piece}). Small responses go in one piece and the thread does not wait;
 * streamed content waits, piece by piece, until the connection is writable again, so it is
 * pulled only as fast as the peer reads.
 *
 * <p>The {@link ExchangeObserver} (access log, metrics) hears of it like of an HTTP/2 stream:
 * started when the handler is called, completed when the handler has handed over its answer's
 * last piece, with stream id 0 (HTTP/1.1 has no streams).
 *
 * <p>Threading: {@link #run()} on the handler thread; {@link #abort} on the loop; fields marked
 * "loop" are the loop's; {@code thread} and {@code aborted} are guarded by {@code this}.
 */
final class Exchange implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    /** A body up to this size is copied behind the head into one buffer: one write, one segment. */
    private static final int INLINE_BODY = 16 * 1024;

    final RequestHead head;
    /** The request body, or null when the request has none. */
    final RequestBody body;
    private final BasicRequest request;
    private final Http1Connection connection;
    private final Handler handler;

    /** Whether the connection stays open after this exchange; cleared by the loop (shutdown, peer half-close, bad body). */
    volatile boolean keepAlive;
    /** Set by the loop when the request body broke the framing rules: the status to answer if the handler fails. */
    volatile int malformedStatus;
    volatile String malformedReason;

    /** Loop: the request has been read to its end. */
    boolean requestComplete;
    /** Loop: some of the response has been written (no 100 Continue after that). */
    boolean responseStarted;
    /** Loop: the last piece of the response has been written. */
    boolean responseDone;

    /** Guarded by this. */
    private Thread thread;
    /** Guarded by this. */
    private boolean aborted;

    // For the observer (all skipped when nobody listens):
    private final ExchangeObserver observer;
    private final long startNanos;
    private final long startMillis;
    /** Handler thread: the status answered (0 until then), response body octets handed over, a response broken half-way. */
    private int status;
    private long bytesOut;
    private boolean failed;

    Exchange(RequestHead head, RequestBody body, BasicRequest request, Http1Connection connection, Handler handler,
             boolean keepAlive, ExchangeObserver observer) {
        this.head = head;
        this.body = body;
        this.request = request;
        this.connection = connection;
        this.handler = handler;
        this.keepAlive = keepAlive;
        this.observer = observer;
        boolean listening = observer.isListening();
        this.startNanos = listening ? System.nanoTime() : 0;
        this.startMillis = listening ? System.currentTimeMillis() : 0;
    }

    @Override
    public void run() {
        if (observer.isListening()) {
            observer.exchangeStarted(Http1Protocol.NAME);
        }
        synchronized (this) {
            if (aborted) {
                finish();
                return;
            }
            thread = Thread.currentThread();
        }
        boolean submitted = false;
        try {
            Response response;
            try {
                response = handler.handle(request);
                if (response == null) {
                    throw new IllegalStateException("handler returned null");
                }
            } catch (Throwable failure) {
                if (isAborted()) {
                    return;
                }
                int status = malformedStatus;
                if (status != 0) {
                    response = Response.text(status, malformedReason + "\n");
                } else {
                    LOG.warn("http/1.1 {} {}: handler failed", head.method(), head.target(), failure);
                    response = Response.text(500, "internal server error\n");
                }
            }
            submitted = send(response);
        } catch (Throwable failure) {
            if (!isAborted()) {
                LOG.warn("http/1.1 {} {}: sending the response failed", head.method(), head.target(), failure);
                failed = true;
                connection.submit(this, Piece.failed());
                submitted = true;
            }
        } finally {
            synchronized (this) {
                thread = null;
            }
            Thread.interrupted(); // a late abort must not leak into whatever this thread does next
            if (!submitted && !isAborted()) {
                failed = true;
                connection.submit(this, Piece.failed());
            }
            finish();
        }
    }

    private void finish() {
        request.resources().close();
        if (body != null) {
            body.close();
        }
        if (observer.isListening()) {
            observer.exchangeCompleted(new CompletedExchange(startMillis, request.remoteAddress(), Http1Protocol.NAME,
                    head.method(), head.target(), status, body == null ? 0 : body.received(), bytesOut,
                    System.nanoTime() - startNanos, 0,
                    isAborted() || failed ? CompletedExchange.Outcome.ABORTED : CompletedExchange.Outcome.COMPLETED));
        }
    }

    /** Loop: the connection closed or gave up on this exchange; stop the handler. */
    void abort(IOException cause) {
        synchronized (this) {
            if (aborted) {
                return;
            }
            aborted = true;
            if (thread != null) {
                thread.interrupt();
            }
        }
        if (body != null) {
            body.fail(cause);
        }
        request.resources().close();
    }

    synchronized boolean isAborted() {
        return aborted;
    }

    /**
     * Encodes and hands over the response.
     *
     * @return whether its last piece was handed over
     */
    private boolean send(Response response) throws IOException {
        int status = response.status();
        this.status = status;
        Content content = response.content();
        boolean headRequest = head.method().equals("HEAD");
        boolean noContentStatus = status == 204 || status == 304;
        boolean http10 = head.version() == Http1Version.HTTP_1_0;
        ResponseEncoder encoder = new ResponseEncoder();
        if (headRequest || noContentStatus || content instanceof Content.None) {
            if (content instanceof Content.Streamed streamed) {
                streamed.source().close();
            }
            long announced = noContentStatus ? -1 : content.length().orElse(headRequest ? -1 : 0);
            ByteBuffer out = encoder.head(status, response.headers(), Framing.NONE, announced, connectionField(http10),
                    HttpDate.now(), 0);
            logDropped(encoder);
            connection.submit(this, Piece.ending(keepAlive, out));
            return true;
        }
        switch (content) {
            case Content.None none -> throw new AssertionError("handled above");
            case Content.Bytes bytes -> {
                ByteBuffer data = bytes.buffer().duplicate();
                int length = data.remaining();
                bytesOut = length;
                boolean inline = length <= INLINE_BODY;
                ByteBuffer out = encoder.head(status, response.headers(), Framing.LENGTH, length, connectionField(http10),
                        HttpDate.now(), inline ? length : 0);
                logDropped(encoder);
                if (inline) {
                    out.limit(out.limit() + length);
                    out.put(out.limit() - length, data, data.position(), length);
                    connection.submit(this, Piece.ending(keepAlive, out));
                } else {
                    connection.submit(this, Piece.ending(keepAlive, out, data));
                }
                return true;
            }
            case Content.FileRegion region -> {
                return sendFile(encoder, status, response.headers(), region, http10);
            }
            case Content.Streamed streamed -> {
                return sendStreamed(encoder, status, response.headers(), streamed.source(), http10);
            }
        }
    }

    private boolean sendFile(ResponseEncoder encoder, int status, Headers headers, Content.FileRegion region, boolean http10)
            throws IOException {
        if (region.count() == 0) {
            ByteBuffer out = encoder.head(status, headers, Framing.LENGTH, 0, connectionField(http10), HttpDate.now(), 0);
            connection.submit(this, Piece.ending(keepAlive, out));
            return true;
        }
        // Opened here, on the handler thread: opening a file may block. A missing or short file
        // fails before any byte goes out, so the client gets a 500 rather than a broken response.
        FileChannel channel = FileChannel.open(region.path(), StandardOpenOption.READ);
        boolean handedOver = false;
        try {
            if (channel.size() < region.offset() + region.count()) {
                throw new IOException("file " + region.path() + " is shorter than the region to send");
            }
            ByteBuffer out = encoder.head(status, headers, Framing.LENGTH, region.count(), connectionField(http10),
                    HttpDate.now(), 0);
            logDropped(encoder);
            handedOver = true;
            bytesOut = region.count();
            connection.submit(this, Piece.file(keepAlive, out, channel, region.offset(), region.count(),
                    region.progress()));
            return true;
        } finally {
            if (!handedOver) {
                channel.close();
            }
        }
    }

    private boolean sendStreamed(ResponseEncoder encoder, int status, Headers headers, Body source, boolean http10)
            throws IOException {
        try (source) {
            // Chunked for HTTP/1.1 even when the length is known: only chunked coding carries
            // trailers, and a source cannot say in advance whether it ends with some.
            long declared = http10 ? source.contentLength().orElse(-1) : -1;
            Framing framing = declared >= 0 ? Framing.LENGTH : http10 ? Framing.UNTIL_CLOSE : Framing.CHUNKED;
            if (framing == Framing.UNTIL_CLOSE) {
                keepAlive = false;
            }
            ByteBuffer out = encoder.head(status, headers, framing, declared, connectionField(http10), HttpDate.now(), 0);
            logDropped(encoder);
            await(connection.submit(this, Piece.more(out)));
            long sent = 0;
            while (true) {
                StreamContent next = source.next();
                switch (next) {
                    case StreamContent.Data data -> {
                        ByteBuffer bytes = data.bytes();
                        int length = bytes.remaining();
                        if (length == 0) {
                            continue;
                        }
                        sent += length;
                        bytesOut = sent;
                        if (framing == Framing.LENGTH && sent > declared) {
                            throw new IOException("streamed content is longer than its declared " + declared + " bytes");
                        }
                        Piece piece = framing == Framing.CHUNKED
                                ? Piece.more(ResponseEncoder.chunkHeader(length), bytes, ResponseEncoder.chunkEnd())
                                : Piece.more(bytes);
                        await(connection.submit(this, piece));
                    }
                    case StreamContent.Trailers trailers -> {
                        return finishStream(encoder, framing, declared, sent, trailers.headers());
                    }
                    case StreamContent.End end -> {
                        return finishStream(encoder, framing, declared, sent, Headers.empty());
                    }
                }
            }
        }
    }

    private boolean finishStream(ResponseEncoder encoder, Framing framing, long declared, long sent, Headers trailers)
            throws IOException {
        if (framing == Framing.LENGTH && sent != declared) {
            throw new IOException("streamed content ended after " + sent + " of its declared " + declared + " bytes");
        }
        if (framing == Framing.CHUNKED) {
            connection.submit(this, Piece.ending(keepAlive, encoder.lastChunk(trailers)));
        } else {
            connection.submit(this, Piece.ending(keepAlive));
        }
        return true;
    }

    private String connectionField(boolean http10) {
        if (!keepAlive || connection.isShuttingDown()) {
            keepAlive = false;
            return "close";
        }
        return http10 ? "keep-alive" : null;
    }

    private void logDropped(ResponseEncoder encoder) {
        if (encoder.droppedFields() > 0) {
            LOG.warn("http/1.1 {} {}: dropped {} response field(s) with characters HTTP/1.1 forbids", head.method(),
                    head.target(), encoder.droppedFields());
        }
    }

    /** Waits until the connection can take more of the response. */
    private void await(CompletableFuture<Void> ready) throws IOException {
        try {
            ready.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("http/1.1 exchange interrupted");
        }
    }
}
