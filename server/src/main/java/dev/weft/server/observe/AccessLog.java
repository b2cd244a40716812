package dev.weft.server.observe;

import dev.weft.spi.CompletedExchange;
import dev.weft.spi.ExchangeObserver;
import java.net.InetSocketAddress;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per exchange on the slf4j logger {@code weft.access} at INFO, e.g.
 * <pre>2026-12-04T21:00:00.123Z 127.0.0.1:40834 h2 "GET /hello" 200 in=0 out=13 0.412ms stream=1</pre>
 * (time the request arrived, peer, protocol, method and path, status, request and response body
 * octets, duration, stream or command id; {@code aborted} at the end when the answer did not end).
 * Route it like any logger (a binding's configuration decides where it goes).
 *
 * <p>Threading: stateless; called on handler threads.
 */
public final class AccessLog implements ExchangeObserver {
    /** The logger's name. */
    public static final String LOGGER = "weft.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    @Override
    public void exchangeCompleted(CompletedExchange exchange) {
        if (LOG.isInfoEnabled()) {
            LOG.info(line(exchange));
        }
    }

    /** @return the log line of {@code exchange} */
    public static String line(CompletedExchange exchange) {
        StringBuilder line = new StringBuilder(128);
        line.append(Instant.ofEpochMilli(exchange.startEpochMillis())).append(' ');
        InetSocketAddress peer = exchange.peer();
        if (peer == null) {
            line.append('-');
        } else {
            line.append(peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress())
                    .append(':').append(peer.getPort());
        }
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
        return line.toString();
    }

    /** Control characters and quotes of a hostile path would forge log lines: escaped. */
    private static void appendPrintable(StringBuilder line, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                line.append(String.format("\\x%02x", (int) c));
            } else {
                line.append(c);
            }
        }
    }
}
