package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.MinDataRate;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request body that stops moving is answered 408 and closed by the minimum data rate (here
 * 1,000 B/s over 300 ms), long before the 30 s idle timeout; a body that waits for our
 * 100 Continue is not blamed for it.
 */
@Timeout(30)
class Http1MinDataRateTest {
    @TempDir
    static Path root;
    static Http1TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new Http1TestServer("nio", root.toRealPath(), Duration.ofSeconds(30), true,
                new MinDataRate(1000, 0, Duration.ofMillis(300)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aBodyThatStopsMovingGets408() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n0123456789");
            RawClient.Answer answer = client.read();
            assertEquals(408, answer.status());
            assertTrue(answer.text().contains("slower than 1000 bytes/s"), answer.text());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void aCompleteQuickBodyIsServed() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            assertEquals("5", client.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde").read().text());
        }
    }
}
