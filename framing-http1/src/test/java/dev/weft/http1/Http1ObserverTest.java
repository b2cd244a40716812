package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.CompletedExchange;
import dev.weft.spi.CompletedExchange.Outcome;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.MinDataRate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 exchanges reach the {@link ExchangeObserver} (access log, metrics) as HTTP/2 streams
 * do: one start and one completion per request with protocol {@code http/1.1}, status, body
 * octets both ways and stream id 0; an interrupted handler is reported aborted; 431 and a slow
 * body are reported as defences.
 */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(60)
class Http1ObserverTest {
    @Parameter
    String transport;

    @TempDir
    Path root;

    private final BlockingQueue<CompletedExchange> completed = new LinkedBlockingQueue<>();
    private final BlockingQueue<ExchangeObserver.Defence> defences = new LinkedBlockingQueue<>();
    private final AtomicInteger started = new AtomicInteger();
    private Http1TestServer server;

    @BeforeEach
    void start() throws Exception {
        ExchangeObserver observer = new ExchangeObserver() {
            @Override
            public void exchangeStarted(String protocol) {
                assertEquals(Http1Protocol.NAME, protocol);
                started.incrementAndGet();
            }

            @Override
            public void exchangeCompleted(CompletedExchange exchange) {
                completed.add(exchange);
            }

            @Override
            public void defenceTripped(String protocol, Defence defence) {
                assertEquals(Http1Protocol.NAME, protocol);
                defences.add(defence);
            }
        };
        server = new Http1TestServer(transport, root.toRealPath(), Duration.ofSeconds(30), false,
                new MinDataRate(1000, 0, Duration.ofMillis(500)), observer);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CompletedExchange next() throws InterruptedException {
        CompletedExchange exchange = completed.poll(10, TimeUnit.SECONDS);
        assertTrue(exchange != null, "no exchange reported");
        return exchange;
    }

    @Test
    void everyRequestOnAKeptConnectionIsReportedWithItsBytes() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            assertEquals("Hello, world!", client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").read().text());
            assertEquals("5", client.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde").read().text());
            assertEquals("abc", client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n0\r\n\r\n").read().text());
            assertEquals(500, client.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n").read().status());
        }
        CompletedExchange hello = next();
        assertEquals(List.of("http/1.1", "GET", "/hello", 200, 0L, 13L, 0L, Outcome.COMPLETED),
                List.of(hello.protocol(), hello.method(), hello.path(), hello.status(), hello.bytesIn(), hello.bytesOut(),
                        hello.streamId(), hello.outcome()));
        assertEquals("127.0.0.1", hello.peer().getAddress().getHostAddress());
        assertTrue(hello.durationNanos() > 0 && hello.startEpochMillis() > 0);
        CompletedExchange sink = next();
        assertEquals(List.of("POST", "/sink", 200, 5L, 1L), List.of(sink.method(), sink.path(), sink.status(), sink.bytesIn(),
                sink.bytesOut()));
        CompletedExchange echo = next();
        assertEquals(List.of("/echo", 200, 3L, 3L, Outcome.COMPLETED),
                List.of(echo.path(), echo.status(), echo.bytesIn(), echo.bytesOut(), echo.outcome()));
        CompletedExchange boom = next();
        assertEquals(List.of("/boom", 500), List.of(boom.path(), boom.status()));
        assertEquals(4, started.get());
        assertTrue(defences.isEmpty(), defences.toString());
    }

    @Test
    void aHandlerInterruptedByTheClosingPeerIsReportedAborted() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.send("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(server.hangStarted.await(10, TimeUnit.SECONDS));
        }
        CompletedExchange hang = next();
        assertEquals(List.of("/hang", 0, Outcome.ABORTED), List.of(hang.path(), hang.status(), hang.outcome()));
    }

    @Test
    void headersTooLargeAndASlowBodyAreDefences() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            assertEquals(431, client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n")
                    .read().status());
        }
        assertEquals(ExchangeObserver.Defence.HEADERS_TOO_LARGE, defences.poll(10, TimeUnit.SECONDS));
        try (RawClient client = new RawClient(server.port())) {
            // 1,000 B/s over 500 ms asked for; 3 bytes and then silence is too slow.
            assertEquals(408, client.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc").read().status());
        }
        assertEquals(ExchangeObserver.Defence.SLOW_DATA_RATE, defences.poll(10, TimeUnit.SECONDS));
        CompletedExchange slow = next();
        assertEquals(List.of("/sink", 3L, Outcome.ABORTED), List.of(slow.path(), slow.bytesIn(), slow.outcome()));
        assertEquals(1, started.get(), "the 431 never reached a handler");
    }
}
