package dev.weft.http2;

import dev.weft.api.BasicRequest;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.Http2Event;
import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.OpenFiles;
import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one connection's {@link ServerConnection} from the transport's callbacks and serves its
 * requests: a {@link StreamExchange} per stream, its handler on a thread from
 * {@link ProtocolContext#handlerExecutor()}, its response sent by the {@link ResponseSender} as
 * windows and back-pressure allow; the {@link SlowPeerWatch} times out peers that dribble.
 *
 * <p>Threading: every method but {@link #submit}, {@link #exchangeFinished} and the credit
 * callback runs on the connection's event loop, which owns all fields (and the parts'); handler
 * threads come in through {@code eventLoop().execute}.
 */
final class Http2Session implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Http2Session.class);
    /** After our last frame, how long the peer gets to close its side before we close anyway. */
    private static final Duration CLOSE_LINGER = Duration.ofSeconds(2);

    private final Connection connection;
    private final ProtocolContext context;
    private final Http2Settings settings;
    private final ServerConnection core;
    /** Loop: live exchanges by stream id, in arrival order. */
    private final Map<Integer, StreamExchange> exchanges = new LinkedHashMap<>();
    private final ResponseSender sender;
    private final SlowPeerWatch slowPeers;
    private final DataRateWatch dataRates;
    /** Whether this connection already logged a refused stream. */
    private boolean refusalLogged;
    private boolean shuttingDown;
    private boolean closing;
    private boolean closed;

    Http2Session(Connection connection, ProtocolContext context, Http2Settings settings) {
        this.connection = connection;
        this.context = context;
        this.settings = settings;
        this.core = new ServerConnection(settings, System::nanoTime);
        this.sender = new ResponseSender(this, connection, core, exchanges);
        this.slowPeers = new SlowPeerWatch(this, connection, core, settings.slowPeerTimeout());
        this.dataRates = new DataRateWatch(this, connection, core, exchanges, context.minDataRate());
    }

    @Override
    public void onRead(ByteBuffer data) {
        if (closing) {
            return;
        }
        guarded(() -> {
            core.receive(data);
            slowPeers.inputTaken();
            handleEvents();
            flush();
        });
    }

    /**
     * Runs loop work so that a bug of ours ends this connection cleanly (GOAWAY INTERNAL_ERROR,
     * handlers stopped) instead of escaping into the transport's loop.
     */
    void guarded(Runnable work) {
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

    /** Loop: the connection is given up from our side (a timeout): GOAWAY {@code code}, then close. */
    void abandon(ErrorCode code, String reason) {
        core.abandon(code, reason);
        handleEvents();
        flush();
    }

    /** @return whether the connection is closing or closed: nothing more is sent */
    boolean isClosing() {
        return closing || closed;
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
                        exchange.bytesIn += data.data().remaining();
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
                        sender.pumpAll();
                    } else {
                        StreamExchange exchange = exchanges.get(opened.streamId());
                        if (exchange != null) {
                            sender.pump(exchange);
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
                    if (failed.code() == ErrorCode.ENHANCE_YOUR_CALM) {
                        context.observer().defenceTripped(Http2Protocol.NAME, ExchangeObserver.Defence.FLOOD_CLOSED);
                    }
                    abortAll(new IOException("h2 connection error " + failed.code() + ": " + failed.reason()));
                    closeAfterFlush();
                }
                case Http2Event.HeadersTooLarge tooLarge ->
                        context.observer().defenceTripped(Http2Protocol.NAME, ExchangeObserver.Defence.HEADERS_TOO_LARGE);
                case Http2Event.StreamRefused refused -> {
                    context.observer().defenceTripped(Http2Protocol.NAME, ExchangeObserver.Defence.STREAM_REFUSED);
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
                : new RequestBody(started.head().contentLength(), new CreditBatch(streamId, this, connection, core)::consumed);
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
        dataRates.exchangeStarted();
        try {
            context.handlerExecutor().execute(exchange);
        } catch (RejectedExecutionException e) {
            exchanges.remove(streamId);
            request.resources().close();
            core.resetStream(streamId, ErrorCode.REFUSED_STREAM);
            LOG.warn("h2 stream {}: handler executor refused the request", streamId);
        }
    }

    /** @return who is told about exchanges ({@link ExchangeObserver#NONE}: nobody) */
    ExchangeObserver observer() {
        return context.observer();
    }

    /** @return where file responses are opened (the server's open-file cache) */
    OpenFiles files() {
        return context.files();
    }

    /** Handler thread: queue a piece of the response; {@code done} completes when it went out. */
    void submit(StreamExchange exchange, Outbound piece, CompletableFuture<Void> done) {
        sender.submit(exchange, piece, done);
    }

    /** Loop: flush after the tasks already queued on the loop (see {@link ResponseSender#flushSoon}). */
    void flushSoon() {
        sender.flushSoon();
    }

    /** Handler thread, at the very end of its exchange. */
    void exchangeFinished(StreamExchange exchange) {
        try {
            connection.eventLoop().execute(() -> guarded(() -> {
                endExchange(exchange);
                flush();
            }));
        } catch (RejectedExecutionException e) {
            // the loop is gone, and with it the connection
        }
    }

    /**
     * Loop: the last piece of a response that its handler did not wait for is done (sent, or
     * dropped because the stream is gone): the exchange ends here, as {@link #exchangeFinished}
     * would end it, without the handler thread hopping back. The flush is the sender's.
     */
    void lastPieceDone(StreamExchange exchange) {
        endExchange(exchange);
    }

    private void endExchange(StreamExchange exchange) {
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
        closeIfDone();
    }

    /** Loop: resets a live exchange's stream from our side (a minimum data rate) and interrupts its handler. */
    void resetExchange(StreamExchange exchange, ErrorCode code, String reason) {
        context.observer().defenceTripped(Http2Protocol.NAME, ExchangeObserver.Defence.SLOW_DATA_RATE);
        exchanges.remove(exchange.streamId);
        core.resetStream(exchange.streamId, code);
        abortExchange(exchange, new IOException("h2 stream " + exchange.streamId + " reset by the server: " + reason));
        flush();
        closeIfDone();
    }

    private void abortExchange(StreamExchange exchange, IOException cause) {
        sender.abandonPending(exchange);
        exchange.abort(cause);
    }

    private void abortAll(IOException cause) {
        for (StreamExchange exchange : new ArrayList<>(exchanges.values())) {
            abortExchange(exchange, cause);
        }
        exchanges.clear();
    }

    void drainCore() {
        ByteBuffer next;
        while ((next = core.pollOutput()) != null) {
            connection.write(next);
        }
    }

    void flush() {
        if (closed) {
            return;
        }
        drainCore();
        connection.flush();
        if (connection.pendingOutputBytes() == 0) {
            core.controlFramesDrained();
        }
    }

    void closeIfDone() {
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

    @Override
    public void onInputClosed() {
        abortAll(new IOException("peer closed the connection"));
        connection.close();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (writable) {
            guarded(() -> {
                sender.pumpAll();
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
        slowPeers.cancel();
        dataRates.cancel();
        abortAll(new IOException("connection closed", cause));
        sender.closeFiles();
    }
}
