package dev.weft.http1;

import dev.weft.api.BasicRequest;
import dev.weft.api.ExchangeResources;
import dev.weft.http1.core.BodyFraming;
import dev.weft.http1.core.Http1Limits;
import dev.weft.http1.core.RequestDecoder;
import dev.weft.http1.core.RequestEvent;
import dev.weft.http1.core.RequestHead;
import dev.weft.http1.core.ResponseEncoder;
import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one HTTP/1.1 connection: drives the {@link RequestDecoder} from the transport's
 * callbacks, runs one {@link Exchange} at a time (pipelined requests wait, unread, until the
 * response before them is done, so answers go out in order), writes the pieces of its response,
 * and decides after each exchange whether the connection stays.
 *
 * <p>Bounds: request bodies waiting for their handler stop the socket reads above
 * {@link #BODY_HIGH_WATERMARK}; pipelined bytes held unread stop them above
 * {@link #MAX_HELD}; a request head must be complete within {@link #HEAD_TIMEOUT} of its first
 * byte (slowloris), a request body must keep the minimum data rate
 * ({@link ProtocolContext#minDataRate()}), and the transport's idle timeout closes a connection
 * nobody uses.
 *
 * <p>Threading: every method but {@link #submit}, {@link #isShuttingDown} and the body callbacks
 * runs on the connection's event loop, which owns every field and the two helpers split off by
 * concern: {@link BodyRateCheck} (the body's minimum data rate) and {@link OutputWaits} (streamed
 * responses waiting for writability, files in flight). Handler threads come in through
 * {@code eventLoop().execute}; the grammar is in the sans-IO {@link RequestDecoder} and
 * {@link ResponseEncoder}.
 */
final class Http1Connection implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Http1Connection.class);
    /** Request-body bytes buffered for handlers above which the socket is not read. */
    static final int BODY_HIGH_WATERMARK = 256 * 1024;
    /** ... and below which it is read again. */
    static final int BODY_LOW_WATERMARK = 64 * 1024;
    /** Pipelined bytes held unread (beyond the current request) above which the socket is not read. */
    static final int MAX_HELD = 64 * 1024;
    /** A request head dribbled for longer than this is answered 408 and closed (slowloris). */
    static final Duration HEAD_TIMEOUT = Duration.ofSeconds(10);
    /** After our last byte, how long the peer gets to close its side before we close anyway. */
    private static final Duration CLOSE_LINGER = Duration.ofSeconds(2);

    /** The answer for pieces that do not wait: already complete, never completed again. */
    private static final CompletableFuture<Void> READY = CompletableFuture.completedFuture(null);

    private final Connection connection;
    private final ProtocolContext context;
    private final Function<String, Protocol> protocols;
    private final RequestDecoder decoder;

    /** Loop: bytes received and not consumed by the decoder yet (read mode), or null. */
    private ByteBuffer held;
    /** Loop: the exchange being read or answered, or null between requests. */
    private Exchange current;
    /** Loop: body bytes handed to a body and not yet taken by its handler. */
    private long bodyBuffered;
    private boolean pausedForBody;
    private boolean pausedForHeld;
    /** Loop: after a framing error in a body, the rest of the input is discarded. */
    private boolean inputBroken;
    private boolean closing;
    private boolean closed;
    /** Written on the loop, read by handler threads (to answer {@code connection: close}). */
    private volatile boolean shuttingDown;
    /** Loop: after {@code Upgrade: h2c}, every event goes here. */
    private ConnectionHandler upgraded;
    /** Loop: heads started, so that a head timer knows whether its head arrived. */
    private long headsStarted;
    private Cancellable headTimer;
    /** Loop: the current request body's minimum data rate; owns its timer and window. */
    private final BodyRateCheck bodyRate;
    /** Loop: the current request waits for our 100 Continue before it sends its body. */
    private boolean awaitingContinue;
    /** Loop: the streamed responses waiting for writability and the files handed to the transport. */
    private final OutputWaits output;

    Http1Connection(Connection connection, ProtocolContext context, Http1Limits limits, Function<String, Protocol> protocols) {
        this.connection = connection;
        this.context = context;
        this.protocols = protocols;
        this.decoder = new RequestDecoder(limits);
        this.bodyRate = new BodyRateCheck(this, connection, context);
        this.output = new OutputWaits(connection);
    }

    // ------------------------------------------------------------------ input

    @Override
    public void onRead(ByteBuffer data) {
        if (upgraded != null) {
            upgraded.onRead(data);
            return;
        }
        if (closing || closed || inputBroken) {
            data.position(data.limit());
            return;
        }
        guarded(() -> {
            if (held == null) {
                process(data);
                if (data.hasRemaining() && upgraded == null && !closing) {
                    held = ByteBuffer.allocate(Math.max(data.remaining(), 1024)).put(data).flip();
                }
            } else {
                ByteBuffer joined = ByteBuffer.allocate(held.remaining() + data.remaining());
                joined.put(held).put(data).flip();
                held = joined;
                processHeld();
            }
            afterInput();
        });
    }

    /** Loop: runs the decoder over the held bytes, dropping them once consumed. */
    private void processHeld() {
        if (held == null) {
            return;
        }
        ByteBuffer input = held;
        process(input);
        if (held == input && !input.hasRemaining()) {
            held = null;
        }
    }

    private void process(ByteBuffer in) {
        while (!closing && !closed && upgraded == null && !inputBroken) {
            if (current != null && current.requestComplete) {
                return; // a pipelined request waits until the response before it is done
            }
            if (current == null && (shuttingDown || !connection.isWritable())) {
                return; // no new exchange while stopping, or while the peer is not reading our answers
            }
            RequestEvent event = decoder.next(in);
            if (event == null) {
                return;
            }
            switch (event) {
                case RequestEvent.Head head -> startExchange(head.head(), in);
                case RequestEvent.Data data -> {
                    ByteBuffer bytes = data.bytes();
                    ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
                    bodyBuffered += copy.remaining();
                    bodyRate.count(copy.remaining());
                    current.body.offer(copy);
                }
                case RequestEvent.End end -> {
                    Exchange exchange = current;
                    exchange.requestComplete = true;
                    if (exchange.body != null) {
                        exchange.body.end(end.trailers());
                    }
                    if (exchange.responseDone) {
                        exchangeDone(exchange);
                    }
                }
                case RequestEvent.Malformed malformed -> malformed(malformed);
            }
        }
    }

    private void afterInput() {
        if (closing || closed || upgraded != null) {
            return;
        }
        updateReadPause();
        if (current == null && held != null && held.hasRemaining() && headTimer == null) {
            long seen = headsStarted;
            headTimer = connection.eventLoop().schedule(() -> headTimedOut(seen), HEAD_TIMEOUT);
        }
    }

    private void headTimedOut(long seen) {
        headTimer = null;
        if (closing || closed || upgraded != null || current != null || headsStarted != seen) {
            return;
        }
        if (held != null && held.hasRemaining()) {
            LOG.info("http/1.1 connection {} from {}: request head not complete within {}, closing", connection.id(),
                    connection.remoteAddress(), HEAD_TIMEOUT);
            context.observer().defenceTripped(Http1Protocol.NAME, ExchangeObserver.Defence.SLOW_DATA_RATE);
            answerAndClose(408, "request head not complete within " + HEAD_TIMEOUT.toSeconds() + " s");
        }
    }

    private void updateReadPause() {
        boolean body = bodyBuffered > BODY_HIGH_WATERMARK || (pausedForBody && bodyBuffered > BODY_LOW_WATERMARK);
        boolean pipeline = held != null && held.remaining() > MAX_HELD;
        if (body != pausedForBody || pipeline != pausedForHeld) {
            boolean wasPaused = pausedForBody || pausedForHeld;
            pausedForBody = body;
            pausedForHeld = pipeline;
            boolean paused = body || pipeline;
            if (paused) {
                bodyRate.forgive();
            }
            if (paused != wasPaused && !closed) {
                connection.setReadPaused(paused);
            }
        }
    }

    private void startExchange(RequestHead head, ByteBuffer in) {
        headsStarted++;
        if (headTimer != null) {
            headTimer.cancel();
            headTimer = null;
        }
        // RFC 9113 §3.1: h2c is cleartext only; under TLS the token is ignored and HTTP/1.1 answers.
        if (H2cUpgrade.wanted(head) && !shuttingDown && !connection.secure()) {
            Protocol h2 = protocols.apply(Http1Protocol.H2);
            if (h2 != null && h2.availability().available()) {
                upgrade(h2, head, in);
                return;
            }
        }
        boolean keepAlive = head.keepAlive() && !shuttingDown;
        Exchange[] self = new Exchange[1];
        RequestBody body = head.framing() == BodyFraming.NONE ? null
                : new RequestBody(head.contentLength(), this::bodyConsumed,
                        head.expectContinue() ? () -> onLoop(() -> sendContinue(self[0])) : () -> { });
        BasicRequest request = BasicRequest.builder()
                .method(head.method())
                .target(head.target())
                .authority(head.authority())
                .scheme(connection.secure() ? "https" : "http")
                .protocol(Http1Protocol.NAME)
                .headers(head.headers())
                .remoteAddress(connection.remoteAddress())
                .bodyPolicy(context.bodyPolicy())
                .resources(new ExchangeResources())
                .body(body)
                .build();
        Exchange exchange = new Exchange(head, body, request, this, context.handler(), keepAlive, context.observer());
        self[0] = exchange;
        current = exchange;
        awaitingContinue = head.expectContinue();
        if (body != null) {
            bodyRate.start(headsStarted);
        }
        try {
            context.handlerExecutor().execute(exchange);
        } catch (RejectedExecutionException e) {
            LOG.warn("http/1.1 connection {}: handler executor refused the request", connection.id());
            current = null;
            request.resources().close();
            answerAndClose(503, "server busy");
        }
    }

    private void upgrade(Protocol h2, RequestHead head, ByteBuffer in) {
        connection.write(ByteBuffer.wrap(H2cUpgrade.SWITCHING));
        ConnectionHandler session = h2.open(connection, context);
        H2cUpgrade bridge = new H2cUpgrade(session, H2cUpgrade.headersFrames(head));
        upgraded = bridge;
        if (pausedForBody || pausedForHeld) {
            pausedForBody = false;
            pausedForHeld = false;
            connection.setReadPaused(false);
        }
        connection.flush();
        LOG.debug("http/1.1 connection {}: upgraded to h2c", connection.id());
        ByteBuffer rest = in.slice();
        in.position(in.limit());
        held = null;
        if (rest.hasRemaining()) {
            bridge.onRead(rest);
        }
    }

    private void malformed(RequestEvent.Malformed malformed) {
        LOG.info("http/1.1 connection {} from {}: {} {}", connection.id(), connection.remoteAddress(), malformed.status(),
                malformed.reason());
        if (malformed.status() == 431) {
            context.observer().defenceTripped(Http1Protocol.NAME, ExchangeObserver.Defence.HEADERS_TOO_LARGE);
        }
        Exchange exchange = current;
        if (exchange == null) {
            answerAndClose(malformed.status(), malformed.reason());
            return;
        }
        // A broken body under a running handler: it fails reading; its answer closes the connection.
        inputBroken = true;
        held = null;
        exchange.keepAlive = false;
        exchange.malformedReason = malformed.reason();
        exchange.malformedStatus = malformed.status();
        exchange.body.fail(new IOException("request body refused: " + malformed.reason()));
    }

    /** Loop: a plain-text answer outside any exchange (bad request, timeout), then close. */
    private void answerAndClose(int status, String reason) {
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = new ResponseEncoder().head(status, dev.weft.api.Headers.of("content-type", "text/plain; charset=utf-8"),
                ResponseEncoder.Framing.LENGTH, body.length, "close", HttpDate.now(), 0);
        connection.write(head);
        connection.write(ByteBuffer.wrap(body));
        closeAfterFlush();
    }

    /** Loop, for {@link BodyRateCheck}: whether exchange {@code number} is still the one reading its body. */
    boolean bodyRateApplies(long number) {
        Exchange exchange = current;
        return exchange != null && headsStarted == number && !exchange.requestComplete && !closing && !closed
                && upgraded == null;
    }

    /** Loop, for {@link BodyRateCheck}: whether we stopped reading (the peer may not be to blame). */
    boolean readsPaused() {
        return pausedForBody || pausedForHeld;
    }

    /** Loop, for {@link BodyRateCheck}: whether the peer waits for our 100 Continue. */
    boolean awaitingContinue() {
        return awaitingContinue;
    }

    /** Loop, for {@link BodyRateCheck}: the body was too slow; 408 if nothing was answered yet, then close. */
    void bodyTooSlow() {
        boolean answer = current != null && !current.responseStarted;
        abortCurrent(new IOException("request body slower than the minimum data rate"));
        if (answer) {
            answerAndClose(408, "request body slower than " + context.minDataRate().requestBytesPerSecond() + " bytes/s");
        } else {
            connection.close();
        }
    }

    private void sendContinue(Exchange exchange) {
        if (exchange != current || exchange.responseStarted || closing || closed || upgraded != null) {
            return;
        }
        awaitingContinue = false;
        bodyRate.forgive(); // the peer could not send before this
        connection.write(ResponseEncoder.continueHead());
        connection.flush();
    }

    /** Any thread: a handler took (or discarded) {@code bytes} of its body. */
    private void bodyConsumed(int bytes) {
        if (bytes == 0) {
            return;
        }
        onLoop(() -> {
            bodyBuffered -= bytes;
            if (!closing && !closed && upgraded == null) {
                updateReadPause();
            }
        });
    }

    private void onLoop(Runnable task) {
        if (connection.eventLoop().inEventLoop()) {
            task.run();
            return;
        }
        try {
            connection.eventLoop().execute(() -> guarded(task));
        } catch (RejectedExecutionException e) {
            // the loop is gone, and the connection with it
        }
    }

    // ------------------------------------------------------------------ output

    /**
     * Handler thread: hands a piece of {@code exchange}'s response to the loop.
     *
     * @return completes when the connection can take the next piece (already complete for pieces that do not wait)
     */
    CompletableFuture<Void> submit(Exchange exchange, Piece piece) {
        CompletableFuture<Void> ready = piece.ready() != null ? piece.ready() : READY;
        try {
            connection.eventLoop().execute(() -> guarded(() -> write(exchange, piece)));
        } catch (RejectedExecutionException e) {
            OutputWaits.refuse(piece);
        }
        return ready;
    }

    /** @return whether the server is stopping (answers say {@code connection: close}) */
    boolean isShuttingDown() {
        return shuttingDown;
    }

    private void write(Exchange exchange, Piece piece) {
        if (closed || exchange != current || exchange.isAborted()) {
            OutputWaits.refuse(piece);
            return;
        }
        if (piece.broken()) {
            LOG.debug("http/1.1 connection {}: response broken half-way, closing", connection.id());
            current = null;
            exchange.abort(new IOException("response failed"));
            connection.close();
            return;
        }
        exchange.responseStarted = true;
        for (ByteBuffer buffer : piece.buffers()) {
            connection.write(buffer);
        }
        if (piece.file() != null) {
            output.writeFile(piece);
        }
        connection.flush();
        if (piece.last()) {
            exchange.responseDone = true;
            if (!piece.keepAlive() || !exchange.requestComplete) {
                // Keep-alive after a body the handler did not read to its end would need the rest
                // read and thrown away; the connection closes instead.
                exchange.keepAlive = false;
            }
            exchangeDone(exchange);
        } else if (piece.ready() != null) {
            output.whenWritable(piece.ready());
        }
    }

    /** Loop: the response is out and (if it stays) the request read to its end. */
    private void exchangeDone(Exchange exchange) {
        if (current != exchange) {
            return;
        }
        current = null;
        bodyRate.cancel();
        if (!exchange.keepAlive || shuttingDown || decoder.isFailed()) {
            closeAfterFlush();
            return;
        }
        decoder.startNext();
        processHeld();
        afterInput();
    }

    /** Sends what is queued, half-closes, and closes when the peer does or soon after. */
    private void closeAfterFlush() {
        if (closing || closed) {
            return;
        }
        connection.flush();
        closing = true;
        held = null;
        if (pausedForBody || pausedForHeld) {
            connection.setReadPaused(false); // read on, discarding, so that the peer's close is seen
        }
        connection.shutdownOutput();
        connection.eventLoop().schedule(connection::close, CLOSE_LINGER);
    }

    /**
     * Runs loop work so that a bug of ours ends this connection cleanly instead of escaping into
     * the transport's loop.
     */
    void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException bug) {
            LOG.error("http/1.1 connection {}: internal error, closing the connection", connection.id(), bug);
            abortCurrent(new IOException("internal error in the http/1.1 connection", bug));
            closing = true;
            connection.close();
        }
    }

    private void abortCurrent(IOException cause) {
        Exchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.abort(cause);
        }
        output.failWaiters(cause);
    }

    // ------------------------------------------------------------------ transport events

    @Override
    public void onInputClosed() {
        if (upgraded != null) {
            upgraded.onInputClosed();
            return;
        }
        guarded(() -> {
            // As over h2: end of input ends the connection and stops its handler. A peer that
            // half-closes after its request and waits for the answer is rare, one that vanished
            // with a handler still busy for it is not.
            abortCurrent(new IOException("peer closed the connection"));
            connection.close();
        });
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (upgraded != null) {
            upgraded.onWritabilityChanged(writable);
            return;
        }
        if (!writable) {
            return;
        }
        guarded(() -> {
            output.wakeWaiters();
            if (current == null && !closing) {
                processHeld();
                afterInput();
            }
        });
    }

    /**
     * Nothing moved either way for the transport's idle timeout. The connection stays only while
     * a handler computes (its request complete, nothing of its answer stuck in the socket).
     */
    @Override
    public void onIdleTimeout(Connection idle) {
        if (upgraded != null) {
            upgraded.onIdleTimeout(idle);
            return;
        }
        guarded(() -> {
            Exchange exchange = current;
            if (exchange != null && exchange.requestComplete && !exchange.responseDone
                    && connection.pendingOutputBytes() == 0) {
                return;
            }
            if (exchange == null && held != null && held.hasRemaining() && !closing) {
                answerAndClose(408, "request not complete within the idle timeout");
                return;
            }
            if (exchange != null) {
                LOG.info("http/1.1 connection {} from {}: idle in the middle of an exchange, closing", connection.id(),
                        connection.remoteAddress());
            }
            abortCurrent(new IOException("connection idle, closed"));
            connection.close();
        });
    }

    @Override
    public void onShutdown(Connection stopping) {
        if (upgraded != null) {
            upgraded.onShutdown(stopping);
            return;
        }
        shuttingDown = true;
        if (current == null) {
            connection.close();
            return;
        }
        current.keepAlive = false;
        connection.eventLoop().schedule(() -> {
            abortCurrent(new IOException("server shut down before the exchange finished"));
            connection.close();
        }, context.shutdownGrace());
    }

    @Override
    public void onClosed(Throwable cause) {
        closed = true;
        if (headTimer != null) {
            headTimer.cancel();
        }
        bodyRate.cancel();
        abortCurrent(new IOException("connection closed", cause));
        output.closeFiles();
        held = null;
        if (upgraded != null) {
            upgraded.onClosed(cause);
        }
    }
}
