package dev.weft.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.spi.CompletedExchange;
import dev.weft.spi.CompletedExchange.Outcome;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The access log's line: every field in a fixed place, and a hostile path cannot forge a line. */
class AccessLogTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40834);

    @Test
    void lineHasEveryField() {
        CompletedExchange exchange = new CompletedExchange(1_796_418_000_123L, PEER, "h2", "GET", "/hello", 200, 0, 13,
                412_345, 1, Outcome.COMPLETED);
        assertEquals("2026-12-04T21:00:00.123Z 127.0.0.1:40834 h2 \"GET /hello\" 200 in=0 out=13 0.412ms stream=1",
                AccessLog.line(exchange));
    }

    @Test
    void abortedExchangesAndMissingPeersAreMarked() {
        CompletedExchange exchange = new CompletedExchange(0, null, "wireproto", "POST", "/echo", 0, 5, 0,
                12_000_000_000L, 7, Outcome.ABORTED);
        assertEquals("1970-01-01T00:00:00Z - wireproto \"POST /echo\" 0 in=5 out=0 12000.000ms stream=7 aborted",
                AccessLog.line(exchange));
    }

    @Test
    void controlCharactersAndQuotesInThePathAreEscaped() {
        CompletedExchange exchange = new CompletedExchange(0, PEER, "h2", "GET", "/a\"\n2026 forged", 404, 0, 0, 0, 3,
                Outcome.COMPLETED);
        assertEquals("1970-01-01T00:00:00Z 127.0.0.1:40834 h2 \"GET /a\\x22\\x0a2026 forged\" 404 in=0 out=0 0.000ms stream=3",
                AccessLog.line(exchange));
    }
}
