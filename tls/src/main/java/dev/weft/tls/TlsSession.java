package dev.weft.tls;

import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TLS connection: the handler the transport calls with ciphertext, driving an
 * {@link SSLEngine}, and the owner of the {@link SecuredConnection} the protocol reads and writes
 * plaintext through.
 *
 * <p><b>Input</b>: each read is unwrapped record by record straight from the transport's buffer;
 * only a partial record at its end is copied and kept ({@link #netIn}). Decrypted bytes go to the
 * protocol in a per-loop scratch buffer, valid during its {@code onRead} only, as the transport's
 * own buffers are.
 *
 * <p><b>Output</b> is {@link TlsOutput}'s ({@link #out}): the plaintext queue, the encryption
 * passes and the secured connection's writability.
 *
 * <p><b>Dead loops</b>: every engine call either makes progress or ends the loop; an engine that
 * makes none {@link #MAX_IDLE_SPINS} times running fails the connection.
 *
 * <p>Ownership: every field is owned by the connection's event loop (this class: the engine's
 * input, the handshake, the protocol handler and the lifecycle; {@link TlsOutput}: the output);
 * the only entry from other threads is {@link SecuredConnection#close()}, which hops to the loop.
 */
final class TlsSession implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(TlsSession.class);
    /** Engine calls in a row that move nothing before the connection is failed (never a dead loop). */
    private static final int MAX_IDLE_SPINS = 16;
    /** TLS record content type of a handshake message: the first byte every client sends. */
    private static final int HANDSHAKE_RECORD = 0x16;
    /** Per-loop scratch buffer for decrypted input. Each loop thread has its own. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final Connection raw;
    private final SSLEngine engine;
    private final List<String> alpnIds;
    private final TlsLayer.Application application;
    private final SecuredConnection secured;
    private final Cancellable handshakeTimer;
    /** The output side: plaintext queue, encryption passes, secured writability. */
    final TlsOutput out;
    private ConnectionHandler inner;
    /** Ciphertext of a partial record carried to the next read, in write mode; null when none. */
    private ByteBuffer netIn;
    private boolean readPaused;
    private boolean firstByteSeen;
    private boolean inputClosedDelivered;
    /** Set once the connection failed or was refused: later input is dropped. */
    private boolean failed;
    /** What a client offered when its ALPN was refused, for the log line of the failure. */
    private String refusedAlpn;

    TlsSession(Connection raw, SSLEngine engine, List<String> alpnIds, TlsLayer.Application application,
               Duration handshakeTimeout) {
        this.raw = raw;
        this.engine = engine;
        this.alpnIds = alpnIds;
        this.application = application;
        this.out = new TlsOutput(this, raw, engine);
        this.secured = new SecuredConnection(this, raw);
        engine.setHandshakeApplicationProtocolSelector((ignored, offered) -> chooseAlpn(offered));
        this.handshakeTimer = raw.eventLoop().schedule(this::handshakeTimedOut, handshakeTimeout);
    }

    /** RFC 7301 §3.2: our first preference the client offers; null refuses (no_application_protocol). */
    private String chooseAlpn(List<String> offered) {
        if (offered.isEmpty()) {
            return "";
        }
        for (String id : alpnIds) {
            if (offered.contains(id)) {
                return id;
            }
        }
        refusedAlpn = "the client offered ALPN " + offered + ", this port serves " + alpnIds;
        return null;
    }

    private void handshakeTimedOut() {
        if (inner == null && raw.isOpen()) {
            LOG.info("connection {} from {}: TLS handshake not done within the handshake timeout, closing", raw.id(),
                    raw.remoteAddress());
            failed = true;
            raw.close();
        }
    }

    // ---- input ------------------------------------------------------------------------------

    @Override
    public void onRead(ByteBuffer data) {
        if (failed) {
            data.position(data.limit());
            return;
        }
        if (!firstByteSeen && data.hasRemaining()) {
            firstByteSeen = true;
            if (looksLikeCleartextHttp(data.get(data.position()))) {
                refuseCleartext(data);
                return;
            }
        }
        ByteBuffer source = data;
        if (netIn != null) {
            appendToNetIn(data);
            source = netIn.flip();
        }
        try {
            unwrapFrom(source);
        } catch (SSLException | RuntimeException e) {
            fail(e);
            return;
        }
        keepLeftover(source, data);
    }

    private void keepLeftover(ByteBuffer source, ByteBuffer data) {
        if (failed || !raw.isOpen()) {
            netIn = null;
            return;
        }
        if (source == data) {
            if (data.hasRemaining()) {
                netIn = ByteBuffer.allocate(Math.max(engine.getSession().getPacketBufferSize(), data.remaining()));
                netIn.put(data);
            }
        } else if (netIn.hasRemaining()) {
            netIn.compact();
        } else {
            netIn = null;
        }
    }

    private void appendToNetIn(ByteBuffer data) {
        if (netIn.remaining() < data.remaining()) {
            ByteBuffer larger = ByteBuffer.allocate(netIn.position() + data.remaining());
            larger.put(netIn.flip());
            netIn = larger;
        }
        netIn.put(data);
    }

    /** Runs the engine over {@code source} until it needs more bytes, the protocol paused reading, or the connection ended. */
    private void unwrapFrom(ByteBuffer source) throws SSLException {
        int idleSpins = 0;
        while (raw.isOpen() && !failed) {
            if (++idleSpins > MAX_IDLE_SPINS) {
                throw new SSLException("the TLS engine made no progress");
            }
            HandshakeStatus status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
                idleSpins = 0;
                continue;
            }
            if (status == HandshakeStatus.NEED_WRAP) {
                if (wrapHandshake()) {
                    idleSpins = 0;
                }
                continue;
            }
            if (engine.isInboundDone() || (inner != null && readPaused)) {
                return;
            }
            if (!source.hasRemaining() && status != HandshakeStatus.NEED_UNWRAP_AGAIN) {
                return;
            }
            ByteBuffer app = SCRATCH.get().app(engine);
            SSLEngineResult result = engine.unwrap(source, app);
            if (result.bytesConsumed() > 0 || result.bytesProduced() > 0) {
                idleSpins = 0;
            }
            switch (result.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    return; // a partial record: wait for the rest
                }
                case BUFFER_OVERFLOW -> SCRATCH.get().growApp(engine);
                case CLOSED -> {
                    peerClosedTls();
                    return;
                }
                case OK -> {
                    if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                        handshakeFinished();
                    }
                    if (app.position() > 0) {
                        deliver(app.flip());
                    }
                }
            }
        }
    }

    private void deliver(ByteBuffer plaintext) {
        if (inner == null) {
            // Application data before our side saw the handshake end cannot happen with the JDK's
            // engine; if it does, the handshake is over by the engine's account.
            handshakeFinished();
            if (inner == null) {
                return;
            }
        }
        inner.onRead(plaintext);
    }

    private void runDelegatedTasks() {
        // Certificate signing and key agreement: about a millisecond, run on the loop rather
        // than adding a thread hop to every handshake.
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** @return whether the engine produced anything */
    private boolean wrapHandshake() throws SSLException {
        SSLEngineResult result = out.wrapRecord(TlsOutput.NOTHING, 0, 1);
        out.emitNetOut();
        raw.flush();
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            handshakeFinished();
        }
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
            out.markCloseNotifySent();
        }
        return result.bytesProduced() > 0;
    }

    private void handshakeFinished() {
        if (inner != null || failed) {
            return;
        }
        handshakeTimer.cancel();
        String alpn = engine.getApplicationProtocol() == null ? "" : engine.getApplicationProtocol();
        if (LOG.isDebugEnabled()) {
            LOG.debug("connection {} from {}: {} {}, ALPN '{}'", raw.id(), raw.remoteAddress(), engine.getSession().getProtocol(),
                    engine.getSession().getCipherSuite(), alpn);
        }
        ConnectionHandler opened;
        try {
            opened = application.open(secured, alpn);
        } catch (RuntimeException e) {
            LOG.info("connection {} from {}: no protocol for ALPN '{}': {}; closing", raw.id(), raw.remoteAddress(), alpn,
                    e.getMessage());
            failed = true;
            closeGracefully();
            return;
        }
        inner = opened;
    }

    /** The peer's close_notify: its side ends; TLS 1.3 lets ours go on (half-close). */
    private void peerClosedTls() throws SSLException {
        if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            wrapHandshake(); // TLS 1.2 answers close_notify with its own
        }
        deliverInputClosed();
    }

    private void deliverInputClosed() {
        if (inputClosedDelivered) {
            return;
        }
        inputClosedDelivered = true;
        if (inner != null) {
            inner.onInputClosed();
        } else {
            raw.close();
        }
    }

    @Override
    public void onInputClosed() {
        if (inner == null) {
            if (!failed) {
                LOG.info("connection {} from {}: closed by the peer during the TLS handshake", raw.id(), raw.remoteAddress());
            }
            failed = true;
            raw.close();
            return;
        }
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // No close_notify before the FIN (a truncation the protocol's own framing detects).
            LOG.debug("connection {}: {}", raw.id(), e.getMessage());
        }
        deliverInputClosed();
    }

    void setReadPaused(boolean paused) {
        if (readPaused == paused) {
            return;
        }
        readPaused = paused;
        raw.setReadPaused(paused);
        if (!paused && netIn != null && netIn.position() > 0) {
            // Records that arrived before the pause: decrypt them now, out of the caller's stack.
            raw.eventLoop().execute(this::drainHeldInput);
        }
    }

    private void drainHeldInput() {
        if (readPaused || netIn == null || failed || !raw.isOpen()) {
            return;
        }
        onRead(ByteBuffer.allocate(0));
    }

    // ---- cleartext on a TLS port ------------------------------------------------------------

    /** A method name's first letter where a TLS record type byte should be. */
    private static boolean looksLikeCleartextHttp(byte first) {
        return first != HANDSHAKE_RECORD && first >= 'A' && first <= 'Z';
    }

    private void refuseCleartext(ByteBuffer data) {
        data.position(data.limit());
        failed = true;
        handshakeTimer.cancel();
        LOG.info("connection {} from {}: cleartext HTTP on a TLS port; answered 400 and closing", raw.id(), raw.remoteAddress());
        byte[] body = ("This port speaks HTTPS (TLS): use https://" + raw.localAddress().getHostString() + ":"
                + raw.localAddress().getPort() + "/\n").getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: " + body.length
                + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        raw.write(ByteBuffer.wrap(head));
        raw.write(ByteBuffer.wrap(body));
        // FIN after the answer; the peer's own close (or the idle timeout) ends the connection.
        raw.shutdownOutput();
    }

    // ---- ending -----------------------------------------------------------------------------

    /** Sends the queued buffers (not files) and close_notify, then closes. Loop thread. */
    void closeGracefully() {
        if (!raw.isOpen()) {
            return;
        }
        out.goodbye();
        raw.close();
    }

    /** The handshake or a record failed: one log line, the engine's alert to the peer, then close. */
    void fail(Exception e) {
        if (failed) {
            return;
        }
        failed = true;
        handshakeTimer.cancel();
        String what = inner == null ? "TLS handshake failed" : "TLS failed";
        LOG.info("connection {} from {}: {}: {}{}; closing", raw.id(), raw.remoteAddress(), what, e.getMessage(),
                refusedAlpn == null ? "" : " (" + refusedAlpn + ")");
        if (!(e instanceof SSLException)) {
            LOG.debug("connection {}: TLS failure", raw.id(), e);
        }
        out.alert();
        raw.close();
    }

    /** @return whether the connection failed or was refused (its output is dropped) */
    boolean failed() {
        return failed;
    }

    /** The output side failed on its own (a file read): later input is dropped too. */
    void markFailed() {
        failed = true;
    }

    /** The secured connection's writability changed: the protocol hears it once it is open. */
    void securedWritabilityChanged(boolean writable) {
        if (inner != null) {
            inner.onWritabilityChanged(writable);
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        out.rawWritabilityChanged(writable);
    }

    @Override
    public void onIdleTimeout(Connection connection) {
        if (inner == null) {
            LOG.info("connection {} from {}: idle during the TLS handshake, closing", raw.id(), raw.remoteAddress());
            failed = true;
            raw.close();
        } else {
            inner.onIdleTimeout(secured);
        }
    }

    @Override
    public void onShutdown(Connection connection) {
        if (inner == null) {
            raw.close();
        } else {
            inner.onShutdown(secured);
        }
    }

    @Override
    public void onClosed(Throwable cause) {
        handshakeTimer.cancel();
        out.released();
        netIn = null;
        if (inner != null) {
            inner.onClosed(cause);
        }
    }

    /** A loop thread's scratch buffers, shared by its connections (one callback runs at a time). */
    private static final class Scratch {
        private ByteBuffer app;

        ByteBuffer app(SSLEngine engine) {
            int size = engine.getSession().getApplicationBufferSize();
            if (app == null || app.capacity() < size) {
                app = ByteBuffer.allocate(size);
            }
            return app.clear();
        }

        void growApp(SSLEngine engine) {
            app = ByteBuffer.allocate(Math.max(app.capacity() * 2, engine.getSession().getApplicationBufferSize()));
        }
    }
}
