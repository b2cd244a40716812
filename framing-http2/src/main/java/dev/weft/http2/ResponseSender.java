package dev.weft.http2;

import dev.weft.api.ProgressListener;
import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The response side of one connection's {@link Http2Session}: takes the {@link Outbound} pieces
 * handler threads hand over, and sends each (HEADERS, DATA from memory, file regions zero-copy,
 * resets) as the peer's windows and the transport's back-pressure allow, completing the piece's
 * future once it went out.
 *
 * <p>Threading: {@link #submit} from handler threads (it only queues a loop task); everything
 * else on the connection's event loop, which owns {@code files} and the exchanges' pending
 * pieces.
 */
final class ResponseSender {
    /**
     * Output queued in the transport up to which file regions keep being queued. Past the
     * transport's high watermark on purpose: a queued region costs no heap (the transport reads it
     * from the file as the socket drains), and a deeper queue moves a large file in far fewer
     * loop passes than the watermark's 64 KiB would.
     */
    private static final long FILE_QUEUE_BYTES = 1 << 20;

    private final Http2Session session;
    private final Connection connection;
    private final ServerConnection core;
    /** Loop: the session's live exchanges by stream id (owned by the session, shared here). */
    private final Map<Integer, StreamExchange> exchanges;
    /** Loop: file regions still open. */
    private final Set<FileSource> files = new HashSet<>();
    /** Loop: whether a flush task is queued. */
    private boolean flushQueued;

    ResponseSender(Http2Session session, Connection connection, ServerConnection core,
                   Map<Integer, StreamExchange> exchanges) {
        this.session = session;
        this.connection = connection;
        this.core = core;
        this.exchanges = exchanges;
    }

    /**
     * Handler thread: queue a piece of the response; {@code done} completes when it went out, or
     * is null for the response's last piece, which nobody waits for: the loop then ends the
     * exchange itself once the piece is done.
     */
    void submit(StreamExchange exchange, Outbound piece, CompletableFuture<Void> done) {
        try {
            connection.eventLoop().execute(() -> session.guarded(() -> accept(exchange, piece, done)));
        } catch (RejectedExecutionException e) {
            if (piece instanceof Outbound.File file) {
                file.source().closeNow();
            }
            if (done != null) {
                done.completeExceptionally(new IOException("connection closed", e));
            }
        }
    }

    private void accept(StreamExchange exchange, Outbound piece, CompletableFuture<Void> done) {
        if (exchanges.get(exchange.streamId) != exchange || exchange.isAborted()) {
            if (piece instanceof Outbound.File file) {
                file.source().finishQueuing();
            }
            if (done != null) {
                done.completeExceptionally(new IOException("h2 stream " + exchange.streamId + " is gone"));
            } else {
                session.lastPieceDone(exchange);
                flushSoon();
            }
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
    void flushSoon() {
        if (flushQueued) {
            return;
        }
        flushQueued = true;
        connection.eventLoop().execute(() -> session.guarded(() -> {
            flushQueued = false;
            session.flush();
        }));
    }

    /** Sends as much of the exchange's pending piece as windows and the transport allow. */
    void pump(StreamExchange exchange) {
        Outbound piece = exchange.pending;
        if (piece == null || session.isClosing()) {
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
            case Outbound.Data data -> pumpData(exchange, data);
            case Outbound.File file -> pumpFile(exchange, file.source());
        }
    }

    private void pumpData(StreamExchange exchange, Outbound.Data data) {
        int id = exchange.streamId;
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
            session.drainCore();
            if (!buffer.hasRemaining()) {
                completePending(exchange, true);
                return;
            }
        }
    }

    private void pumpFile(StreamExchange exchange, FileSource source) {
        int id = exchange.streamId;
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
            session.drainCore();
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

    private void completePending(StreamExchange exchange, boolean sent) {
        CompletableFuture<Void> done = exchange.pendingDone;
        exchange.pending = null;
        exchange.pendingDone = null;
        if (sent && !core.canSend(exchange.streamId)) {
            // The response ended (END_STREAM or our reset): the exchange is over for the loop, so
            // the handler thread need not hop back here when it finishes.
            exchanges.remove(exchange.streamId);
            exchange.markEndedOnLoop();
            session.closeIfDone();
        }
        if (done == null) {
            session.lastPieceDone(exchange);
            return;
        }
        if (sent) {
            done.complete(null);
        } else {
            done.completeExceptionally(new IOException("h2 stream " + exchange.streamId + " is gone"));
        }
    }

    void pumpAll() {
        for (StreamExchange exchange : new ArrayList<>(exchanges.values())) {
            pump(exchange);
        }
    }

    /** Loop: the exchange is being aborted; its pending file region, if any, stops. */
    void abandonPending(StreamExchange exchange) {
        if (exchange.pending instanceof Outbound.File file) {
            file.source().finishQueuing();
            if (file.source().isClosed()) {
                files.remove(file.source());
            }
        }
    }

    /** Loop: the connection closed; every file still open is closed now. */
    void closeFiles() {
        for (FileSource file : files) {
            file.closeNow();
        }
        files.clear();
    }
}
