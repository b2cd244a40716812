package dev.weft.http2;

import dev.weft.api.BasicRequest;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.api.ProgressListener;
import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.Http2Event;
import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one connection's {@link ServerConnection} from the transport's callbacks and serves its
 * requests: a {@link StreamExchange} per stream, its handler on a thread from
 * {@link ProtocolContext#handlerExecutor()}, its response sent by {@link #pump} as windows and
 * back-pressure allow.
 *
 * <p>Threading: every method but {@link #submit} and the credit callback runs on the
 * connection's event loop, which owns all fields; handler threads come in through
 * {@code eventLoop().execute}.
 */
final class Http2Session implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Http2Session.class);
    /**
     * Output queued in the transport up to which file regions keep being queued. Past the
     * transport's high watermark on purpose: a queued region costs no heap (the transport reads it
     * from the file as the socket drains), and a deeper queue moves a large file in far fewer
     * loop passes than the watermark's 64 KiB would.
     */
    private static final long FILE_QUEUE_BYTES = 1 << 20;
    /** After our last frame, how long the peer gets to close its side before we close anyway. */
    private static final Duration CLOSE_LINGER = Duration.ofSeconds(2);

    private final Connection connection;
    private final ProtocolContext context;
    private final Http2Settings settings;
    private final ServerConnection core;
    /** Loop: live exchanges by stream id, in arrival order. */
    private final Map<Integer, StreamExchange> exchanges = new LinkedHashMap<>();
    /** Loop: file regions still open. */
    private final Set<FileSource> files = new HashSet<>();
    private final Cancellable prefaceTimer;
    /** Loop: when the current unfinished frame or header block stopped making progress, or 0. */
    private long stalledSinceNanos;
    /** Loop: {@link ServerConnection#inputProgress()} when {@link #stalledSinceNanos} was set. */
    private long stalledProgress = -1;
    /** Loop: the pending stall check, or null. */
    private Cancellable stallTimer;
    /** Whether this connection already logged a refused stream. */
    private boolean refusalLogged;
    /** Whether a flush task is queued on the loop. */
    private boolean flushQueued;
    private boolean shuttingDown;
    private boolean closing;
    private boolean closed;

    Http2Session(Connection connection, ProtocolContext context, Http2Settings settings) {
        this.connection = connection;
        this.context = context;
        this.settings = settings;
        this.core = new ServerConnection(settings);
        this.prefaceTimer = connection.eventLoop().schedule(this::prefaceTimedOut, settings.slowPeerTimeout());
    }

    @Override
    public void onRead(ByteBuffer data) {
        if (closing) {
            return;
        }
        guarded(() -> {
            core.receive(data);
            watchStalledInput();
            handleEvents();
            flush();
        });
    }

    /**
     * Runs loop work so that a bug of ours ends this connection cleanly (GOAWAY INTERNAL_ERROR,
     * handlers stopped) instead of escaping into the transport's loop.
     */
    private void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException bug) {
            LOG.error("h2 connection {}: internal error, closing the connection", connection.id(), bug);
            try {
                core.goAway(ErrorCode.INTERNAL_ERROR, "internal error");
                flush();
            } catch (RuntimeException ignored) {
                // already failing; the close below is what matters
            }
            abortAll(new IOException("internal error in the h2 session", bug));
            closing = true;
            connection.close();
        }
    }

    /**
     * Slowloris: a frame or a header block (HEADERS + CONTINUATION) dribbled an octet at a time
     * keeps the idle timer quiet forever, so once started it must finish within
     * {@link Http2Settings#slowPeerTimeout()}.
     */
    private void watchStalledInput() {
        if (!core.isInputIncomplete()) {
            stalledSinceNanos = 0;
            return;
        }
        long progress = core.inputProgress();
        if (stalledSinceNanos != 0 && progress == stalledProgress) {
            return; // still the same unfinished frame or block; the timer is running
        }
        stalledSinceNanos = System.nanoTime();
        stalledProgress = progress;
        if (stallTimer == null) {
            stallTimer = connection.eventLoop().schedule(() -> guarded(this::checkStalledInput), settings.slowPeerTimeout());
        }
    }

    private void checkStalledInput() {
        stallTimer = null;
        if (stalledSinceNanos == 0 || closing || closed) {
            return;
        }
        long timeout = settings.slowPeerTimeout().toNanos();
        long waited = System.nanoTime() - stalledSinceNanos;
        if (waited < timeout) {
            stallTimer = connection.eventLoop().schedule(() -> guarded(this::checkStalledInput),
                    Duration.ofNanos(timeout - waited));
            return;
        }
        LOG.info("h2 connection {} from {}: frame or header block unfinished after {}, closing", connection.id(),
                connection.remoteAddress(), settings.slowPeerTimeout());
        core.abandon(ErrorCode.ENHANCE_YOUR_CALM, "frame or header block too slow");
        handleEvents();
        flush();
    }

    private void handleEvents() {
        for (Http2Event event : core.pollEvents()) {
            switch (event) {
                case Http2Event.RequestStarted started -> startExchange(started);
                case Http2Event.RequestData data -> {
                    StreamExchange exchange = exchanges.get(data.streamId());
                    if (exchange == null || exchange.body == null) {
                        core.dataConsumed(data.streamId(), data.data().remaining());
                    } else {
                        exchange.body.offer(data.data());
                        if (data.endStream()) {
                            exchange.body.end(Headers.empty());
                        }
                    }
                }
                case Http2Event.RequestTrailers trailers -> {
                    StreamExchange exchange = exchanges.get(trailers.streamId());
                    if (exchange != null && exchange.body != null) {
                        exchange.body.end(trailers.trailers());
                    }
                }
                case Http2Event.StreamReset reset -> {
                    StreamExchange exchange = exchanges.remove(reset.streamId());
                    if (exchange != null) {
                        abortExchange(exchange, new IOException("h2 stream " + reset.streamId() + " reset "
                                + (reset.byPeer() ? "by the peer" : "by the server") + ": " + reset.code()));
                    }
                }
                case Http2Event.WindowOpened opened -> {
                    if (opened.streamId() == 0) {
                        pumpAll();
                    } else {
                        StreamExchange exchange = exchanges.get(opened.streamId());
                        if (exchange != null) {
                            pump(exchange);
                        }
                    }
                }
                case Http2Event.GoAwayReceived goAway -> {
                    LOG.debug("h2 connection {}: peer sent GOAWAY {} ({})", connection.id(),
                            ErrorCode.describe(goAway.errorCode()), goAway.debug());
                    closeIfDone();
                }
                case Http2Event.ConnectionFailed failed -> {
                    LOG.info("h2 connection {} from {}: {} {}", connection.id(), connection.remoteAddress(), failed.code(),
                            failed.reason());
                    abortAll(new IOException("h2 connection error " + failed.code() + ": " + failed.reason()));
                    closeAfterFlush();
                }
                case Http2Event.StreamRefused refused -> {
                    if (!refusalLogged) {
                        refusalLogged = true; // once per connection: a busy client refuses many
                        LOG.info("h2 connection {} from {}: {} streams open, refusing new ones (MAX_CONCURRENT_STREAMS)",
                                connection.id(), connection.remoteAddress(), refused.limit());
                    }
                }
                case Http2Event.Http1Detected http1 -> answerHttp1();
            }
        }
    }

    private void startExchange(Http2Event.RequestStarted started) {
        int streamId = started.streamId();
        RequestBody body = started.endStream() ? null
                : new RequestBody(started.head().contentLength(), new CreditBatch(streamId)::consumed);
        BasicRequest request = BasicRequest.builder()
                .method(started.head().method())
                .target(started.head().target())
                .authority(started.head().authority())
                .scheme(started.head().scheme())
                .protocol("h2")
                .headers(started.head().headers())
                .remoteAddress(connection.remoteAddress())
                .bodyPolicy(context.bodyPolicy())
                .resources(new ExchangeResources())
                .body(body)
                .build();
        StreamExchange exchange = new StreamExchange(streamId, started.head(), body, request, this, context.handler());
        exchanges.put(streamId, exchange);
        try {
            context.handlerExecutor().execute(exchange);
        } catch (RejectedExecutionException e) {
            exchanges.remove(streamId);
            request.resources().close();
            core.resetStream(streamId, ErrorCode.REFUSED_STREAM);
            LOG.warn("h2 stream {}: handler executor refused the request", streamId);
        }
    }

    /**
     * Request data of one stream consumed (or discarded) by its handler, to be credited to the
     * peer on the loop. Credits that pile up while a hand-over is on its way ride along with it,
     * so a fast reader costs one loop task per batch, not one per DATA frame.
     *
     * <p>Threading: {@link #consumed} from any thread; {@code pending} is atomic.
     */
    private final class CreditBatch {
        private final int streamId;
        private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

        CreditBatch(int streamId) {
            this.streamId = streamId;
        }

        void consumed(int octets) {
            if (octets <= 0) {
                return;
            }
            if (connection.eventLoop().inEventLoop()) {
                core.dataConsumed(streamId, octets);
                return; // the loop code that discarded the data flushes
            }
            if (pending.getAndAdd(octets) != 0) {
                return; // a hand-over is already on its way and will take these too
            }
            try {
                connection.eventLoop().execute(() -> guarded(() -> {
                    core.dataConsumed(streamId, pending.getAndSet(0));
                    flushSoon();
                }));
            } catch (RejectedExecutionException e) {
                // the loop has stopped, and with it the connection: there is nobody left to credit
            }
        }
    }

    /** Handler thread: queue a piece of the response; {@code done} completes when it went out. */
    void submit(StreamExchange exchange, Outbound piece, CompletableFuture<Void> done) {
        try {
            connection.eventLoop().execute(() -> guarded(() -> accept(exchange, piece, done)));
        } catch (RejectedExecutionException e) {
            if (piece instanceof Outbound.File file) {
                file.source().closeNow();
            }
            done.completeExceptionally(new IOException("connection closed", e));
        }
    }

    private void accept(StreamExchange exchange, Outbound piece, CompletableFuture<Void> done) {
        if (exchanges.get(exchange.streamId) != exchange || exchange.isAborted()) {
            if (piece instanceof Outbound.File file) {
                file.source().finishQueuing();
            }
            done.completeExceptionally(new IOException("h2 stream " + exchange.streamId + " is gone"));
            return;
        }
        if (piece instanceof Outbound.File file) {
            files.add(file.source());
        }
        exchange.pending = piece;
        exchange.pendingDone = done;
        pump(exchange);
        flushSoon();
    }

    /**
     * Flushes after the tasks already queued on the loop: the responses of many handlers that
     * finish together leave in one gathering write instead of one write each.
     */
    private void flushSoon() {
        if (flushQueued) {
            return;
        }
        flushQueued = true;
        connection.eventLoop().execute(() -> guarded(() -> {
            flushQueued = false;
            flush();
        }));
    }

    /** Sends as much of the exchange's pending piece as windows and the transport allow. */
    private void pump(StreamExchange exchange) {
        Outbound piece = exchange.pending;
        if (piece == null || closing) {
            return;
        }
        int id = exchange.streamId;
        switch (piece) {
            case Outbound.HeaderBlock block -> {
                boolean sent = core.sendHeaders(id, block.fields(), block.endStream());
                if (sent && block.then() != null) {
                    exchange.pending = block.then();
                    pump(exchange);
                } else {
                    completePending(exchange, sent);
                }
            }
            case Outbound.Reset reset -> {
                core.resetStream(id, reset.code());
                completePending(exchange, true);
            }
            case Outbound.Data data -> {
                ByteBuffer buffer = data.data();
                while (true) {
                    if (!core.canSend(id)) {
                        completePending(exchange, false);
                        return;
                    }
                    if (!buffer.hasRemaining()) {
                        completePending(exchange, core.sendData(id, buffer, data.endStream()));
                        return;
                    }
                    int window = core.sendWindow(id);
                    if (window == 0 || !connection.isWritable()) {
                        return; // resumed by WindowOpened or onWritabilityChanged
                    }
                    int take = Math.min(window, Math.min(buffer.remaining(), 4 * core.peerMaxFrameSize()));
                    ByteBuffer chunk = buffer.slice(buffer.position(), take);
                    buffer.position(buffer.position() + take);
                    core.sendData(id, chunk, data.endStream() && !buffer.hasRemaining());
                    drainCore();
                    if (!buffer.hasRemaining()) {
                        completePending(exchange, true);
                        return;
                    }
                }
            }
            case Outbound.File file -> {
                FileSource source = file.source();
                while (true) {
                    if (!core.canSend(id)) {
                        source.finishQueuing();
                        if (source.isClosed()) {
                            files.remove(source);
                        }
                        completePending(exchange, false);
                        return;
                    }
                    int window = core.sendWindow(id);
                    if (window == 0 || connection.pendingOutputBytes() >= FILE_QUEUE_BYTES) {
                        return; // resumed by WindowOpened or onWritabilityChanged
                    }
                    int take = (int) Math.min(Math.min(window, core.peerMaxFrameSize()), source.remaining);
                    boolean last = take == source.remaining;
                    core.sendDataHeader(id, take, last);
                    drainCore();
                    ProgressListener region = source.regionListener();
                    connection.writeFile(source.channel, source.position, take, progress -> {
                        region.onProgress(progress);
                        if (source.isClosed()) {
                            files.remove(source);
                        }
                    });
                    source.position += take;
                    source.remaining -= take;
                    if (last) {
                        // Stays in files until its last region is sent: a close before then closes it.
                        source.finishQueuing();
                        completePending(exchange, true);
                        return;
                    }
                }
            }
        }
    }

    private void completePending(StreamExchange exchange, boolean sent) {
        CompletableFuture<Void> done = exchange.pendingDone;
        exchange.pending = null;
        exchange.pendingDone = null;
        if (sent && !core.canSend(exchange.streamId)) {
            // The response ended (END_STREAM or our reset): the exchange is over for the loop, so
            // the handler thread need not hop back here when it finishes.
            exchanges.remove(exchange.streamId);
            exchange.markEndedOnLoop();
            closeIfDone();
        }
        if (done == null) {
            return;
        }
        if (sent) {
            done.complete(null);
        } else {
            done.completeExceptionally(new IOException("h2 stream " + exchange.streamId + " is gone"));
        }
    }

    private void pumpAll() {
        for (StreamExchange exchange : new ArrayList<>(exchanges.values())) {
            pump(exchange);
        }
    }

    /** Handler thread, at the very end of its exchange. */
    void exchangeFinished(StreamExchange exchange) {
        try {
            connection.eventLoop().execute(() -> guarded(() -> {
                if (exchanges.get(exchange.streamId) == exchange) {
                    exchanges.remove(exchange.streamId);
                }
                if (core.canSend(exchange.streamId)) {
                    // The handler ended without finishing its response (it was interrupted).
                    core.resetStream(exchange.streamId, ErrorCode.INTERNAL_ERROR);
                }
                // A request still uploading after its response is complete is drained, not reset
                // (§8.1 makes RST_STREAM NO_ERROR optional): its stream keeps counting against
                // MAX_CONCURRENT_STREAMS and its late frames keep getting §5.1's answers.
                flush();
                closeIfDone();
            }));
        } catch (RejectedExecutionException e) {
            // the loop is gone, and with it the connection
        }
    }

    private void abortExchange(StreamExchange exchange, IOException cause) {
        Outbound pending = exchange.pending;
        if (pending instanceof Outbound.File file) {
            file.source().finishQueuing();
            if (file.source().isClosed()) {
                files.remove(file.source());
            }
        }
        exchange.abort(cause);
    }

    private void abortAll(IOException cause) {
        for (StreamExchange exchange : new ArrayList<>(exchanges.values())) {
            abortExchange(exchange, cause);
        }
        exchanges.clear();
    }

    private void drainCore() {
        ByteBuffer next;
        while ((next = core.pollOutput()) != null) {
            connection.write(next);
        }
    }

    private void flush() {
        if (closed) {
            return;
        }
        drainCore();
        connection.flush();
        if (connection.pendingOutputBytes() == 0) {
            core.controlFramesDrained();
        }
    }

    private void closeIfDone() {
        if ((shuttingDown || core.isGoingAway()) && exchanges.isEmpty()) {
            closeAfterFlush();
        }
    }

    /** Sends what is queued (GOAWAY last), half-closes, and closes when the peer does or soon after. */
    private void closeAfterFlush() {
        if (closing || closed) {
            return;
        }
        flush();
        closing = true;
        connection.shutdownOutput();
        connection.eventLoop().schedule(connection::close, CLOSE_LINGER);
    }

    private void answerHttp1() {
        String text = "This port speaks HTTP/2 with prior knowledge only (no HTTP/1.1, no upgrade).\n"
                + "Try: curl --http2-prior-knowledge http://" + hostPort() + "/\n";
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=us-ascii\r\ncontent-length: "
                + body.length + "\r\nconnection: close\r\n\r\n";
        connection.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
        connection.write(ByteBuffer.wrap(body));
        LOG.debug("h2 connection {} from {}: HTTP/1.x request answered with 400", connection.id(), connection.remoteAddress());
        closeAfterFlush();
    }

    private String hostPort() {
        var local = connection.localAddress();
        return local == null ? "localhost" : local.getHostString() + ":" + local.getPort();
    }

    private void prefaceTimedOut() {
        if (!core.isEstablished() && !closing && !closed) {
            LOG.info("h2 connection {} from {}: no preface and SETTINGS within {}, closing", connection.id(),
                    connection.remoteAddress(), settings.slowPeerTimeout());
            connection.close();
        }
    }

    @Override
    public void onInputClosed() {
        abortAll(new IOException("peer closed the connection"));
        connection.close();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (writable) {
            guarded(() -> {
                pumpAll();
                flush();
            });
        }
    }

    /**
     * Nothing moved either way for the transport's idle timeout. The connection stays only if a
     * handler is busy computing (its request complete, nothing waiting to be sent); streams that
     * wait on the peer (for request data, or for window to send) do not keep it: that is a
     * slowloris or a peer that stopped reading.
     */
    @Override
    public void onIdleTimeout(Connection idle) {
        guarded(() -> {
            boolean handlerBusy = exchanges.values().stream()
                    .anyMatch(e -> (e.body == null || e.body.isEnded()) && e.pending == null);
            if (handlerBusy) {
                return;
            }
            if (!exchanges.isEmpty()) {
                LOG.info("h2 connection {} from {}: idle with {} streams waiting on the peer, closing", connection.id(),
                        connection.remoteAddress(), exchanges.size());
            }
            core.goAway(ErrorCode.NO_ERROR, "idle");
            abortAll(new IOException("connection idle, closed"));
            closeAfterFlush();
        });
    }

    @Override
    public void onShutdown(Connection stopping) {
        shuttingDown = true;
        core.goAway(ErrorCode.NO_ERROR, "server shutting down");
        flush();
        if (exchanges.isEmpty()) {
            closeAfterFlush();
        } else {
            connection.eventLoop().schedule(() -> {
                abortAll(new IOException("server shut down before the stream finished"));
                closeAfterFlush();
            }, context.shutdownGrace());
        }
    }

    @Override
    public void onClosed(Throwable cause) {
        closed = true;
        prefaceTimer.cancel();
        if (stallTimer != null) {
            stallTimer.cancel();
        }
        abortAll(new IOException("connection closed", cause));
        for (FileSource file : files) {
            file.closeNow();
        }
        files.clear();
    }
}
