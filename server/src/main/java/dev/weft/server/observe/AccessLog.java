package dev.weft.server.observe;

import dev.weft.spi.CompletedExchange;
import dev.weft.spi.ExchangeObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per exchange on the slf4j logger {@code weft.access} at INFO, e.g.
 * <pre>2026-12-04T21:00:00.123Z 127.0.0.1:40834 h2 "GET /hello" 200 in=0 out=13 0.412ms stream=1</pre>
 * (time the request arrived, peer, protocol, method and path, status, request and response body
 * octets, duration, stream or command id; {@code aborted} at the end when the answer did not end).
 * Route it like any logger (a binding's configuration decides where it goes).
 *
 * <p>Batched, because a logger call per exchange costs more than the exchange: slf4j-simple
 * formats a date and makes a {@code write(2)} per call, which halved S1's rate
 * ({@code benchmarks/access-log.sh}). Handler threads only queue the finished exchange; one
 * writer thread wakes every {@link #FLUSH_INTERVAL}, formats what is queued and hands it to the
 * logger as <em>one event per batch</em>, the lines joined by {@code '\n'} (so a binding's prefix
 * appears once per batch, on its first line; every line still starts with its own time). Lines
 * keep the order in which exchanges completed. At most {@link #MAX_PENDING} exchanges wait; past
 * that, exchanges are not logged but counted, and the next batch says how many were dropped
 * ({@code access log: N exchange(s) not logged (writer behind)}) — a slow log sink must never
 * stall or exhaust the server. {@link #close()} writes everything still queued.
 *
 * <p>Threading: {@link #exchangeCompleted} is called on handler threads and only touches the
 * lock-free queue and the counters; everything else (the line buffer, the time and peer caches)
 * belongs to the writer thread.
 */
public final class AccessLog implements ExchangeObserver, AutoCloseable {
    /** The logger's name. */
    public static final String LOGGER = "weft.access";
    /** How long a finished exchange waits, at most, before its line is handed to the logger. */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(20);
    /** Exchanges queued for the writer past which new ones are dropped (and counted). */
    public static final int MAX_PENDING = 1 << 16;
    /** Lines per logger event at most, so one event stays a few hundred KiB. */
    static final int MAX_LINES_PER_EVENT = 4096;
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final ConcurrentLinkedQueue<CompletedExchange> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Consumer<String> sink;
    private final int maxPending;
    private final Thread writer;
    private volatile boolean closed;
    // Writer-thread state.
    private final LineFormat format = new LineFormat();
    private final StringBuilder batch = new StringBuilder(64 * 1024);

    /** An access log on the {@link #LOGGER} logger, or a no-op one if that logger is off at INFO. */
    public AccessLog() {
        this(LOG.isInfoEnabled() ? LOG::info : null, MAX_PENDING);
    }

    /**
     * @param sink receives one string per batch (lines joined by {@code '\n'}) on the writer
     *        thread; {@code null} to log nothing
     * @param maxPending exchanges queued at most before new ones are dropped
     */
    AccessLog(Consumer<String> sink, int maxPending) {
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be at least 1: " + maxPending);
        }
        this.sink = sink;
        this.maxPending = maxPending;
        this.writer = sink == null ? null : Thread.ofPlatform().daemon().name("weft-access-log").start(this::writeUntilClosed);
    }

    @Override
    public void exchangeCompleted(CompletedExchange exchange) {
        if (writer == null) {
            return;
        }
        if (closed) {
            dropped.incrementAndGet();
            return;
        }
        if (pendingCount.incrementAndGet() > maxPending) {
            pendingCount.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        pending.offer(exchange);
    }

    /** @return exchanges not logged so far because the writer was behind or the log was closed */
    public long droppedCount() {
        return dropped.get();
    }

    /**
     * Writes every line still queued and stops the writer thread; later exchanges are dropped.
     * Call it after the server stopped, so that no exchange completes while the last batch is written.
     */
    @Override
    public void close() {
        if (writer == null || closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeUntilClosed() {
        while (!closed) {
            LockSupport.parkNanos(FLUSH_INTERVAL.toNanos());
            drain();
        }
        drain(); // what was queued before close() set the flag
    }

    private void drain() {
        long droppedBefore = dropped.getAndSet(0);
        if (droppedBefore > 0) {
            append("access log: " + droppedBefore + " exchange(s) not logged (writer behind)");
        }
        int lines = 0;
        for (CompletedExchange exchange; (exchange = pending.poll()) != null; ) {
            pendingCount.decrementAndGet();
            if (!batch.isEmpty()) {
                batch.append('\n');
            }
            format.append(batch, exchange);
            if (++lines == MAX_LINES_PER_EVENT) {
                flush();
                lines = 0;
            }
        }
        flush();
    }

    private void append(String line) {
        if (!batch.isEmpty()) {
            batch.append('\n');
        }
        batch.append(line);
    }

    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        try {
            sink.accept(batch.toString());
        } catch (RuntimeException e) {
            // A failing binding loses this batch only; the writer stays alive for the next ones.
            LOG.warn("access log batch could not be written", e);
        }
        batch.setLength(0);
        if (batch.capacity() > 1 << 20) {
            batch.trimToSize();
        }
    }

    /** @return the log line of {@code exchange} */
    public static String line(CompletedExchange exchange) {
        StringBuilder line = new StringBuilder(128);
        new LineFormat().append(line, exchange);
        return line.toString();
    }

    /**
     * Formats lines with two caches (owned by whoever owns the instance: the writer thread): the
     * date and time up to the second, which changes once a second, and the text of recent peer
     * addresses, which are the same object for every exchange of a connection.
     */
    static final class LineFormat {
        private static final int MAX_PEERS = 1024;
        private long cachedSecond = Long.MIN_VALUE;
        private String cachedSecondText = "";
        private final Map<InetSocketAddress, String> peers = new IdentityHashMap<>();

        void append(StringBuilder line, CompletedExchange exchange) {
            long millis = exchange.startEpochMillis();
            long second = Math.floorDiv(millis, 1000);
            if (second != cachedSecond) {
                cachedSecond = second;
                // e.g. "2026-12-04T21:00:00"; always with seconds, so every line has one width of time.
                cachedSecondText = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC).toString()
                        + (Math.floorMod(second, 60) == 0 ? ":00" : "");
            }
            int milli = (int) Math.floorMod(millis, 1000);
            line.append(cachedSecondText).append('.')
                    .append((char) ('0' + milli / 100)).append((char) ('0' + milli / 10 % 10)).append((char) ('0' + milli % 10))
                    .append("Z ");
            InetSocketAddress peer = exchange.peer();
            line.append(peer == null ? "-" : peerText(peer));
            line.append(' ').append(exchange.protocol()).append(" \"").append(exchange.method()).append(' ');
            appendPrintable(line, exchange.path());
            long micros = exchange.durationNanos() / 1_000;
            line.append("\" ").append(exchange.status())
                    .append(" in=").append(exchange.bytesIn())
                    .append(" out=").append(exchange.bytesOut())
                    .append(' ').append(micros / 1000).append('.').append((char) ('0' + micros % 1000 / 100))
                    .append((char) ('0' + micros % 100 / 10)).append((char) ('0' + micros % 10)).append("ms")
                    .append(" stream=").append(exchange.streamId());
            if (exchange.outcome() == CompletedExchange.Outcome.ABORTED) {
                line.append(" aborted");
            }
        }

        private String peerText(InetSocketAddress peer) {
            String text = peers.get(peer);
            if (text == null) {
                if (peers.size() >= MAX_PEERS) {
                    peers.clear();
                }
                text = (peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress())
                        + ':' + peer.getPort();
                peers.put(peer, text);
            }
            return text;
        }
    }

    /** Control characters and quotes of a hostile path would forge log lines: escaped. */
    private static void appendPrintable(StringBuilder line, String text) {
        int clean = 0;
        while (clean < text.length() && printable(text.charAt(clean))) {
            clean++;
        }
        if (clean == text.length()) {
            line.append(text); // the usual path: one bulk copy instead of a char at a time
            return;
        }
        line.append(text, 0, clean);
        for (int i = clean; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!printable(c)) {
                line.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                line.append(c);
            }
        }
    }

    private static boolean printable(char c) {
        return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
    }

    @Override
    public String toString() {
        return "AccessLog[" + LOGGER + ", every " + FLUSH_INTERVAL.toMillis() + " ms" + (closed ? ", closed" : "") + "]";
    }
}
