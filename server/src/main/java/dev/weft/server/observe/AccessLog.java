package dev.weft.server.observe;

import dev.weft.spi.CompletedExchange;
import dev.weft.spi.ExchangeObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * <p>Threading: {@link #exchangeCompleted} is called on handler threads and only adds to the
 * filling list under {@code lock} (or counts a drop); the writer swaps that list for its empty one
 * under the same lock. Everything else (the draining list, the line buffer, the time and peer
 * caches) belongs to the writer thread.
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

    /** Guards {@link #filling} and {@link #closed}'s transitions; held for an add or a swap only. */
    private final Object lock = new Object();
    private ArrayList<CompletedExchange> filling = new ArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Consumer<String> sink;
    private final int maxPending;
    private final Thread writer;
    private volatile boolean closed;
    // Writer-thread state.
    private ArrayList<CompletedExchange> draining = new ArrayList<>();
    private final LineFormat format = new LineFormat();

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
        // One short lock per exchange: cheaper than a lock-free queue's node and a separate bound
        // counter, and the writer holds it only to swap two lists.
        synchronized (lock) {
            if (!closed && filling.size() < maxPending) {
                filling.add(exchange);
                return;
            }
        }
        dropped.incrementAndGet();
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
        if (writer == null) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
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
        drain(); // what was queued before close() set the flag; nothing can be added after
    }

    private void drain() {
        synchronized (lock) {
            ArrayList<CompletedExchange> full = filling;
            filling = draining;
            draining = full;
        }
        long droppedBefore = dropped.getAndSet(0);
        if (droppedBefore > 0) {
            format.startLine();
            format.ascii("access log: ").number(droppedBefore).ascii(" exchange(s) not logged (writer behind)");
        }
        int lines = 0;
        for (CompletedExchange exchange : draining) {
            format.startLine();
            format.append(exchange);
            if (++lines == MAX_LINES_PER_EVENT) {
                flush();
                lines = 0;
            }
        }
        boolean burst = draining.size() > 4 * MAX_LINES_PER_EVENT;
        draining.clear();
        if (burst) {
            draining = new ArrayList<>(); // after a burst, do not keep its array
        }
        flush();
    }

    private void flush() {
        if (format.isEmpty()) {
            return;
        }
        try {
            sink.accept(format.takeText());
        } catch (RuntimeException e) {
            // A failing binding loses this batch only; the writer stays alive for the next ones.
            LOG.warn("access log batch could not be written", e);
        }
    }

    /** @return the log line of {@code exchange} */
    public static String line(CompletedExchange exchange) {
        LineFormat format = new LineFormat();
        format.append(exchange);
        return format.takeText();
    }

    /**
     * Formats lines as ASCII bytes into one growing buffer (a batch), with two caches: the date and
     * time up to the second, which changes once a second, and the text of recent peer addresses,
     * which are the same object for every exchange of a connection. Owned by whoever owns the
     * instance (the writer thread).
     */
    static final class LineFormat {
        private static final int MAX_PEERS = 1024;
        private static final byte[] DASH = {'-'};
        private byte[] bytes = new byte[64 * 1024];
        private int length;
        private long cachedSecond = Long.MIN_VALUE;
        private final byte[] cachedSecondText = new byte[19]; // 2026-12-04T21:00:00
        private final Map<InetSocketAddress, byte[]> peers = new IdentityHashMap<>();

        boolean isEmpty() {
            return length == 0;
        }

        /** A newline unless the batch is empty. */
        void startLine() {
            if (length > 0) {
                room(1);
                bytes[length++] = '\n';
            }
        }

        /** @return the batch as text, and starts a new one */
        String takeText() {
            String text = new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            length = 0;
            if (bytes.length > 1 << 20) {
                bytes = new byte[64 * 1024];
            }
            return text;
        }

        void append(CompletedExchange exchange) {
            long millis = exchange.startEpochMillis();
            long second = Math.floorDiv(millis, 1000);
            if (second != cachedSecond) {
                cachedSecond = second;
                LocalDateTime time = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
                String text = String.format("%04d-%02d-%02dT%02d:%02d:%02d", time.getYear(), time.getMonthValue(),
                        time.getDayOfMonth(), time.getHour(), time.getMinute(), time.getSecond());
                for (int i = 0; i < cachedSecondText.length; i++) {
                    cachedSecondText[i] = (byte) text.charAt(i);
                }
            }
            raw(cachedSecondText);
            int milli = (int) Math.floorMod(millis, 1000);
            room(6);
            bytes[length++] = '.';
            bytes[length++] = (byte) ('0' + milli / 100);
            bytes[length++] = (byte) ('0' + milli / 10 % 10);
            bytes[length++] = (byte) ('0' + milli % 10);
            bytes[length++] = 'Z';
            bytes[length++] = ' ';
            InetSocketAddress peer = exchange.peer();
            raw(peer == null ? DASH : peerText(peer));
            ascii(" ").printable(exchange.protocol()).ascii(" \"").printable(exchange.method()).ascii(" ")
                    .printable(exchange.path()).ascii("\" ").number(exchange.status())
                    .ascii(" in=").number(exchange.bytesIn())
                    .ascii(" out=").number(exchange.bytesOut()).ascii(" ");
            long micros = exchange.durationNanos() / 1_000;
            number(micros / 1000);
            room(4);
            bytes[length++] = '.';
            bytes[length++] = (byte) ('0' + micros % 1000 / 100);
            bytes[length++] = (byte) ('0' + micros % 100 / 10);
            bytes[length++] = (byte) ('0' + micros % 10);
            ascii("ms stream=").number(exchange.streamId());
            if (exchange.outcome() == CompletedExchange.Outcome.ABORTED) {
                ascii(" aborted");
            }
        }

        /** Text known to be printable ASCII (the format's own words). */
        LineFormat ascii(String text) {
            room(text.length());
            for (int i = 0; i < text.length(); i++) {
                bytes[length++] = (byte) text.charAt(i);
            }
            return this;
        }

        /**
         * Text from the peer: control characters, quotes and backslashes would forge log lines, and
         * non-ASCII would make the line's encoding depend on the binding's: all escaped as
         * {@code \xNN} ({@code \}{@code uNNNN} past Latin-1).
         */
        LineFormat printable(String text) {
            room(text.length());
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                    bytes[length++] = (byte) c;
                } else if (c <= 0xff) {
                    room(4 + text.length() - i);
                    bytes[length++] = '\\';
                    bytes[length++] = 'x';
                    bytes[length++] = hex(c >> 4);
                    bytes[length++] = hex(c);
                } else {
                    room(6 + text.length() - i);
                    bytes[length++] = '\\';
                    bytes[length++] = 'u';
                    bytes[length++] = hex(c >> 12);
                    bytes[length++] = hex(c >> 8);
                    bytes[length++] = hex(c >> 4);
                    bytes[length++] = hex(c);
                }
            }
            return this;
        }

        LineFormat number(long value) {
            if (value < 0) {
                return ascii(Long.toString(value));
            }
            room(20);
            int digits = 1;
            for (long rest = value / 10; rest > 0; rest /= 10) {
                digits++;
            }
            for (int i = length + digits - 1; i >= length; i--) {
                bytes[i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length += digits;
            return this;
        }

        private static byte hex(int nibble) {
            return (byte) Character.forDigit(nibble & 0xf, 16);
        }

        private void raw(byte[] text) {
            room(text.length);
            System.arraycopy(text, 0, bytes, length, text.length);
            length += text.length;
        }

        private void room(int needed) {
            if (length + needed > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + needed));
            }
        }

        private byte[] peerText(InetSocketAddress peer) {
            byte[] text = peers.get(peer);
            if (text == null) {
                if (peers.size() >= MAX_PEERS) {
                    peers.clear();
                }
                String host = peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress();
                LineFormat escaped = new LineFormat();
                escaped.printable(host).ascii(":").number(peer.getPort());
                text = Arrays.copyOf(escaped.bytes, escaped.length);
                peers.put(peer, text);
            }
            return text;
        }
    }

    @Override
    public String toString() {
        return "AccessLog[" + LOGGER + ", every " + FLUSH_INTERVAL.toMillis() + " ms" + (closed ? ", closed" : "") + "]";
    }
}
