package dev.weft.server.hostile;

import static dev.weft.server.hostile.H2Attacker.CANCEL;
import static dev.weft.server.hostile.H2Attacker.ENHANCE_YOUR_CALM;
import static dev.weft.server.hostile.H2Attacker.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import dev.weft.testing.Poll;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reset budget is a token bucket by the clock (issue 17): a burst, then a refill rate. Against
 * the real server with a small bucket (a burst of 10, 20 per second) so that the honest case
 * spends more than the burst within a few seconds.
 */
@Timeout(60)
class ResetBudgetTest {
    private static final int BURST = 10;
    private static final int REFILL_PER_SECOND = 20;

    @TempDir
    static java.nio.file.Path dir;
    static HostileServer server;

    @BeforeAll
    static void startServer() throws IOException {
        Http2Settings settings = Http2Settings.defaults().withLimits(Http2Settings.Limits.defaults()
                .withResetBudget(BURST).withResetRefillPerSecond(REFILL_PER_SECOND));
        server = new HostileServer(dir, settings, Duration.ofSeconds(30), 100);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /**
     * An OkHttp client that cancels in-flight calls (RST_STREAM CANCEL) three times the burst,
     * at about half the refill rate, between ordinary calls: it keeps its one connection.
     */
    @Test
    void busyClientThatCancelsUnderTheRateKeepsItsConnection() throws Exception {
        AtomicInteger connects = new AtomicInteger();
        OkHttpClient client = new OkHttpClient.Builder()
                .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .eventListener(new EventListener() {
                    @Override
                    public void connectStart(Call call, java.net.InetSocketAddress address, java.net.Proxy proxy) {
                        connects.incrementAndGet();
                    }
                })
                .callTimeout(Duration.ofSeconds(10))
                .build();
        String base = "http://127.0.0.1:" + server.address().getPort();
        try {
            hello(client, base);
            int cancels = 3 * BURST;
            for (int i = 0; i < cancels; i++) {
                long started = server.hangStarted.get();
                Call hanging = client.newCall(new Request.Builder().url(base + "/hang").build());
                hanging.enqueue(new Callback() {
                    @Override
                    public void onFailure(Call call, IOException e) {
                        // cancelled: expected
                    }

                    @Override
                    public void onResponse(Call call, Response response) {
                        response.close();
                    }
                });
                Poll.until("handler " + (started + 1) + " started", Duration.ofSeconds(10),
                        () -> server.hangStarted.get() > started);
                hanging.cancel();
                hello(client, base);
                // The deliberately paced part of this client: half the refill rate.
                Thread.sleep(1000 / (REFILL_PER_SECOND / 2));
            }
            hello(client, base);
            assertEquals(1, connects.get(), "the server closed the connection of a client cancelling under the rate");
            long interruptedTarget = server.hangStarted.get();
            Poll.until("cancelled handlers interrupted", Duration.ofSeconds(5),
                    () -> server.hangInterrupted.get() == interruptedTarget);
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
            client.dispatcher().executorService().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The same number of cancels at once (Rapid Reset): the burst is spent, GOAWAY ENHANCE_YOUR_CALM. */
    @Test
    void sameCancelsAtOnceEndWithEnhanceYourCalm() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(server.address()).handshake()) {
            for (int i = 0; i < 4 * BURST; i++) {
                int id = 2 * i + 1;
                attacker.headers(id, request("GET", "/hang"), true, true);
                attacker.rst(id, CANCEL);
            }
            attacker.flush();
            H2Attacker.Ending ending = attacker.awaitEnd(Duration.ofSeconds(15));
            assertEquals(ENHANCE_YOUR_CALM, ending.goAwayCode(), () -> "ending: " + ending);
            assertTrue(ending.closed(), () -> "not closed: " + ending);
            assertTrue(ending.debug().contains("reset faster"), ending::toString);
        }
    }

    private static void hello(OkHttpClient client, String base) throws IOException {
        try (Response response = client.newCall(new Request.Builder().url(base + "/hello").build()).execute()) {
            assertEquals("Hello, world!", response.body().string());
        }
    }
}
