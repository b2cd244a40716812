package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idle timeout (1 s here) closes a kept-alive connection nobody uses and answers 408 to a
 * head that stopped half-way; a server without h2 answers an upgrade request over HTTP/1.1.
 */
@Timeout(30)
class Http1TimeoutsTest {
    @TempDir
    static Path root;
    static Http1TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new Http1TestServer("nio", root.toRealPath(), Duration.ofSeconds(1), false);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anIdleKeptAliveConnectionIsClosed() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            assertEquals("Hello, world!", client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").read().text());
            assertTrue(client.closedByServer(), "closed after the idle timeout, within the client's 10 s read timeout");
        }
    }

    @Test
    void aHeadThatStopsHalfWayGets408() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ").read();
            assertEquals(408, answer.status());
            assertEquals("close", answer.headers().get("connection"));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void withoutH2AnUpgradeRequestIsAnsweredOverHttp11() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /protocol HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n").read();
            assertEquals("HTTP/1.1 200 OK", answer.statusLine());
            assertEquals("http/1.1 t /protocol ", answer.text());
            assertNull(answer.headers().get("upgrade"));
        }
    }
}
