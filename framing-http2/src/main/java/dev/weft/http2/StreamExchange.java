package dev.weft.http2;

import dev.weft.api.BasicRequest;
import dev.weft.api.Body;
import dev.weft.api.Content;
import dev.weft.api.Handler;
import dev.weft.api.Headers;
import dev.weft.api.Response;
import dev.weft.api.StreamContent;
import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.HeaderField;
import dev.weft.http2.core.RequestHead;
import dev.weft.spi.CompletedExchange;
import dev.weft.spi.ExchangeObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request stream: its handler runs in {@link #run()} on a virtual thread of its own (seed
 * 000's worker per stream), which then hands the response to the connection's loop piece by
 * piece and waits for each piece to go out, so response content is pulled only as fast as the
 * peer's windows and the socket allow.
 *
 * <p>Threading: {@link #run()} and the response pulling are on the handler thread;
 * {@link #abort} on the loop; the fields marked "loop" are owned by the loop thread;
 * {@code thread} and {@code aborted} are guarded by {@code this}.
 */
final class StreamExchange implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamExchange.class);
    /** Fields an HTTP/2 response must not carry (RFC 9113 §8.2.2); dropped if a handler sets them. */
    private static final Set<String> CONNECTION_SPECIFIC =
            Set.of("connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade");

    final int streamId;
    final RequestHead head;
    /** The request body, or null when the request ended with its headers. */
    final RequestBody body;
    private final BasicRequest request;
    private final Http2Session session;
    private final Handler handler;

    /** Guarded by this: the handler thread while it serves this stream. */
    private Thread thread;
    /** Guarded by this. */
    private boolean aborted;
    /** Handler thread only. */
    private boolean headersSent;
    /** Written on the loop, read by the handler thread when it finishes. */
    private volatile boolean endedOnLoop;
    /**
     * Handler thread: the response's last piece was handed to the loop without waiting for it
     * (an in-memory answer), so the loop ends the exchange once that piece is done.
     */
    private boolean lastHandedOver;

    // For the observer (all skipped when nobody listens):
    private final ExchangeObserver observer;
    private final long startNanos;
    private final long startMillis;
    /** Handler thread: the status answered (0 until then), response body octets handed over, a reset after a failure. */
    private int status;
    private long bytesOut;
    private boolean failed;
    /** Written by the loop only (request body octets received), read by the handler thread at the end. */
    volatile long bytesIn;

    /** Loop: the piece being sent and its completion. */
    Outbound pending;
    /** Loop. */
    CompletableFuture<Void> pendingDone;

    StreamExchange(int streamId, RequestHead head, RequestBody body, BasicRequest request, Http2Session session,
                   Handler handler) {
        this.streamId = streamId;
        this.head = head;
        this.body = body;
        this.request = request;
        this.session = session;
        this.handler = handler;
        this.observer = session.observer();
        boolean listening = observer.isListening();
        this.startNanos = listening ? System.nanoTime() : 0;
        this.startMillis = listening ? System.currentTimeMillis() : 0;
    }

    @Override
    public void run() {
        if (observer.isListening()) {
            observer.exchangeStarted(Http2Protocol.NAME);
        }
        synchronized (this) {
            if (aborted) {
                finish();
                return;
            }
            thread = Thread.currentThread();
        }
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
                LOG.warn("h2 stream {} ({} {}): handler failed", streamId, head.method(), head.target(), failure);
                response = Response.text(500, "internal server error\n");
            }
            try {
                send(response);
            } catch (Throwable failure) {
                if (!isAborted()) {
                    LOG.warn("h2 stream {}: sending the response failed", streamId, failure);
                    sendErrorOrReset();
                }
            }
        } finally {
            synchronized (this) {
                thread = null;
            }
            Thread.interrupted(); // a late abort must not leak into whatever this thread does next
            finish();
        }
    }

    private void finish() {
        request.resources().close();
        if (body != null) {
            body.close();
        }
        if (!endedOnLoop && !lastHandedOver) {
            session.exchangeFinished(this);
        }
        if (observer.isListening()) {
            observer.exchangeCompleted(new CompletedExchange(startMillis, request.remoteAddress(), Http2Protocol.NAME,
                    head.method(), head.target(), status, bytesIn, bytesOut, System.nanoTime() - startNanos, streamId,
                    isAborted() || failed ? CompletedExchange.Outcome.ABORTED : CompletedExchange.Outcome.COMPLETED));
        }
    }

    /** Loop: the response ended and the loop forgot this exchange. */
    void markEndedOnLoop() {
        endedOnLoop = true;
    }

    /** Loop: the stream was reset or the connection closed; stop the handler. */
    void abort(IOException cause) {
        synchronized (this) {
            if (aborted) {
                return;
            }
            aborted = true;
            if (thread != null) {
                // Under the lock: the handler thread clears `thread` under it when it finishes, so
                // a pooled thread can never receive an interrupt meant for an exchange it left.
                thread.interrupt();
            }
        }
        if (body != null) {
            body.fail(cause);
        }
        if (pendingDone != null) {
            CompletableFuture<Void> done = pendingDone;
            pendingDone = null;
            pending = null;
            done.completeExceptionally(cause);
        }
        request.resources().close();
    }

    synchronized boolean isAborted() {
        return aborted;
    }

    private void send(Response response) throws IOException {
        status = response.status();
        boolean headRequest = head.method().equals("HEAD");
        Content content = response.content();
        List<HeaderField> fields = responseFields(response);
        if (headRequest || content instanceof Content.None) {
            if (content instanceof Content.Streamed streamed) {
                streamed.source().close();
            }
            handOverLast(new Outbound.HeaderBlock(fields, true));
            return;
        }
        switch (content) {
            case Content.None none -> throw new AssertionError("handled above");
            case Content.Bytes bytes -> {
                ByteBuffer data = bytes.buffer().duplicate();
                handOverLast(data.hasRemaining()
                        ? new Outbound.HeaderBlock(fields, false, new Outbound.Data(data, true))
                        : new Outbound.HeaderBlock(fields, true));
            }
            case Content.FileRegion region -> sendFile(fields, region);
            case Content.Streamed streamed -> sendStreamed(fields, streamed.source());
        }
    }

    private void sendFile(List<HeaderField> fields, Content.FileRegion region) throws IOException {
        if (region.count() == 0) {
            sendHeaders(fields, true);
            return;
        }
        // Opened here, on the handler thread: opening a file may block. A missing or short file
        // fails before any header goes out, so the client gets a 500 rather than a broken stream.
        // A cached file costs no system call here, and its size() is the cached one.
        FileChannel channel = session.files().open(region.path());
        FileSource source = new FileSource(channel, region.offset(), region.count(), region.progress());
        boolean handedOver = false;
        try {
            if (channel.size() < region.offset() + region.count()) {
                throw new IOException("file " + region.path() + " is shorter than the region to send");
            }
            sendHeaders(fields, false);
            handedOver = true;
            submit(new Outbound.File(source));
        } finally {
            if (!handedOver) {
                channel.close();
            }
        }
    }

    private void sendStreamed(List<HeaderField> fields, Body source) throws IOException {
        try (source) {
            sendHeaders(fields, false);
            while (true) {
                StreamContent next = source.next();
                switch (next) {
                    case StreamContent.Data data -> {
                        if (data.bytes().hasRemaining()) {
                            submit(new Outbound.Data(data.bytes(), false));
                        }
                    }
                    case StreamContent.Trailers trailers -> {
                        if (trailers.headers().isEmpty()) {
                            submit(new Outbound.Data(ByteBuffer.allocate(0), true));
                        } else {
                            submit(new Outbound.HeaderBlock(trailerFields(trailers.headers()), true));
                        }
                        return;
                    }
                    case StreamContent.End end -> {
                        submit(new Outbound.Data(ByteBuffer.allocate(0), true));
                        return;
                    }
                }
            }
        }
    }

    private void sendHeaders(List<HeaderField> fields, boolean endStream) throws IOException {
        submit(new Outbound.HeaderBlock(fields, endStream));
        headersSent = true;
    }

    /** A 500 if no header went out yet (a missing file, say), else RST_STREAM INTERNAL_ERROR. */
    private void sendErrorOrReset() {
        if (!headersSent) {
            try {
                send(Response.text(500, "internal server error\n"));
                return;
            } catch (IOException | RuntimeException e) {
                // fall through to the reset
            }
        }
        failed = true;
        resetQuietly(ErrorCode.INTERNAL_ERROR);
    }

    private void resetQuietly(ErrorCode code) {
        try {
            submit(new Outbound.Reset(code));
        } catch (IOException ignored) {
            // the stream is already gone
        }
    }

    /**
     * Hands the response's last piece to the loop and returns at once: the content is in memory
     * already, so waiting would only park this thread (a virtual-thread park and unpark per
     * request, and its stack copied to the heap meanwhile) without bounding anything. The loop
     * sends it as windows allow and then ends the exchange itself (see
     * {@link Http2Session#lastPieceDone}); a stream reset meanwhile simply drops it.
     */
    private void handOverLast(Outbound piece) {
        if (observer.isListening()) {
            bytesOut += payload(piece); // reported as handed over: the observer hears of it when the handler ends
        }
        headersSent = true;
        lastHandedOver = true;
        session.submit(this, piece, null);
    }

    /** Hands {@code piece} to the loop and waits until it has gone out to the transport. */
    private void submit(Outbound piece) throws IOException {
        if (observer.isListening()) {
            bytesOut += payload(piece);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        session.submit(this, piece, done);
        try {
            done.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("h2 stream " + streamId + " interrupted");
        }
    }

    /** @return the response body octets in {@code piece} */
    private static long payload(Outbound piece) {
        return switch (piece) {
            case Outbound.HeaderBlock block -> block.then() == null ? 0 : payload(block.then());
            case Outbound.Data data -> data.data().remaining();
            case Outbound.File file -> file.source().remaining;
            case Outbound.Reset reset -> 0;
        };
    }

    private List<HeaderField> responseFields(Response response) {
        Headers headers = response.headers();
        List<HeaderField> fields = new ArrayList<>(headers.size() + 2);
        fields.add(new HeaderField(":status", Integer.toString(response.status())));
        addSendable(headers, fields);
        int status = response.status();
        if (!headers.contains("content-length") && status != 204 && status != 304
                && response.content().length().isPresent()) {
            fields.add(new HeaderField("content-length", Long.toString(response.content().length().getAsLong())));
        }
        return fields;
    }

    private List<HeaderField> trailerFields(Headers trailers) {
        List<HeaderField> fields = new ArrayList<>(trailers.size());
        addSendable(trailers, fields);
        return fields;
    }

    /**
     * Copies the fields an HTTP/2 peer accepts (RFC 9113 §8.2): a handler's connection-specific
     * fields, pseudo-headers, or names and values with forbidden characters would make the whole
     * response malformed, so they are dropped with a warning instead.
     */
    private void addSendable(Headers headers, List<HeaderField> fields) {
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            String value = headers.value(i);
            if (CONNECTION_SPECIFIC.contains(name)) {
                continue; // meaningful only to HTTP/1.1; silently not applicable here
            }
            if (!isSendable(name, value)) {
                LOG.warn("h2 stream {}: dropped response field {} with characters HTTP/2 forbids", streamId, name);
                continue;
            }
            fields.add(new HeaderField(name, value));
        }
    }

    private static boolean isSendable(String name, String value) {
        if (name.isEmpty() || name.charAt(0) == ':') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || (c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n' || c > 0xff) {
                return false;
            }
        }
        return true;
    }
}
