package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import dev.weft.testing.Poll;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --access-log} and {@code --admin-port} as an operator meets them: metrics scraped while
 * h2load runs and after it, an access log line per exchange, the 431 defence counted, and
 * {@code /health} turning to 503 draining while SIGTERM waits for an upload in flight.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ObservabilityIT {
    private static final Pattern ADMIN = Pattern.compile("admin on [^:]+:(\\d+) ");
    private static final int REQUESTS = 3000;

    @TempDir
    Path temp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static int adminPort(ServedWeft weft) {
        Matcher matcher = ADMIN.matcher(weft.stderr());
        assertTrue(matcher.find(), weft.stderr());
        return Integer.parseInt(matcher.group(1));
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the value of the sample line {@code series} (name with labels), or -1 if absent */
    private static double sample(String scrape, String series) {
        for (String line : scrape.lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        return -1;
    }

    @Test
    void metricsDuringAndAfterLoadAndAnAccessLogLinePerExchange() throws Exception {
        String h2load = ExternalTool.require("h2load", "nghttp2-client");
        String curl = ExternalTool.require("curl", "curl");
        try (ServedWeft weft = ServedWeft.serve(Map.of(), "nio", "--access-log", "--admin-port", "0",
                "--tmp-dir", temp.resolve("tmp").toString())) {
            int admin = adminPort(weft);
            HttpResponse<String> health = get(admin, "/health");
            assertEquals(200, health.statusCode());
            assertEquals("ready\n", health.body());

            try (Peer load = Peer.start(List.of(h2load, "-n", Integer.toString(REQUESTS), "-c", "4", "-m", "8",
                    weft.url("/hello")))) {
                // Scraped during the run: the connections gauge sees h2load's connections.
                Poll.until("h2load's connections in weft_connections", Duration.ofSeconds(60), () -> {
                    try {
                        String during = get(admin, "/metrics").body();
                        return sample(during, "weft_connections") >= 1 || load.process().isAlive() == false;
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                Peer.Result result = load.await(Duration.ofSeconds(90)).assertSuccess();
                assertTrue(result.stdout().contains(REQUESTS + " succeeded"), result.stdout());
            }
            // A 20 KiB header is over the 16 KiB header list: 431 from the codec, counted as a defence.
            Peer.Result tooLarge = Peer.run(Duration.ofSeconds(30), List.of(curl, "-sS", "--http2-prior-knowledge",
                    "-o", "/dev/null", "-w", "%{http_code}", "-H", "x-big: " + "a".repeat(20_000), weft.url("/hello"))).assertSuccess();
            assertEquals("431", tooLarge.stdout());

            String after = get(admin, "/metrics").body();
            assertEquals(REQUESTS, sample(after, "weft_exchanges_total{protocol=\"h2\",status=\"200\"}"), after);
            assertEquals(REQUESTS * 13.0, sample(after, "weft_response_bytes_total"), after);
            assertEquals(REQUESTS, sample(after, "weft_exchange_duration_seconds_count{protocol=\"h2\"}"), after);
            assertTrue(after.contains("weft_exchange_duration_seconds_bucket{protocol=\"h2\",le="), after);
            assertEquals(1, sample(after, "weft_defence_trips_total{defence=\"headers_too_large\"}"), after);
            assertEquals(0, sample(after, "weft_exchanges_active"), after);
            assertTrue(sample(after, "weft_event_loop_lag_seconds") >= 0, after);
            assertEquals(0, sample(after, "weft_body_ram_bytes"), after);

            Poll.until("an access log line per exchange", Duration.ofSeconds(10),
                    () -> weft.stderr().lines().filter(l -> l.contains(" h2 \"GET /hello\" 200 in=0 out=13 ")).count() == REQUESTS);
        }
    }

    @Test
    void healthSaysDrainingWhileAnUploadFinishesAfterSigterm() throws Exception {
        ServedWeft weft = ServedWeft.serve(Map.of(), "nio", "--admin-port", "0", "--tmp-dir", temp.resolve("tmp").toString());
        CompletableFuture<Void> stopped = null;
        try {
        int admin = adminPort(weft);
        OkHttpClient client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .readTimeout(Duration.ofSeconds(60)).build();
        CountDownLatch bodyStarted = new CountDownLatch(1);
        CountDownLatch finishBody = new CountDownLatch(1);
        RequestBody slow = new RequestBody() {
            @Override
            public MediaType contentType() {
                return MediaType.get("application/octet-stream");
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.write(new byte[1000]);
                sink.flush();
                bodyStarted.countDown();
                try {
                    finishBody.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                sink.write(new byte[1000]);
            }
        };
        // Threads of their own: the common pool may have a single worker on a small machine.
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory());
        CompletableFuture<String> upload = CompletableFuture.supplyAsync(() -> {
            try (Response response = client.newCall(new Request.Builder().url(weft.url("/sink")).post(slow).build()).execute()) {
                return response.code() + " " + response.body().string();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, threads);
        assertTrue(bodyStarted.await(30, TimeUnit.SECONDS));
        Poll.until("the upload counted in flight", Duration.ofSeconds(10), () -> {
            try {
                return sample(get(admin, "/metrics").body(), "weft_exchanges_active") == 1;
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        stopped = CompletableFuture.runAsync(() -> {
            try {
                weft.close(); // SIGTERM, then waits for exit status 143
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, threads);
        Poll.until("/health answers 503 draining", Duration.ofSeconds(20), () -> {
            try {
                HttpResponse<String> health = get(admin, "/health");
                return health.statusCode() == 503 && health.body().equals("draining\n");
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        Poll.until("the stopping line counts what is in flight", Duration.ofSeconds(10),
                () -> weft.stderr().contains("stopping: GOAWAY to 1 connection(s) and 1 exchange(s) in flight"));
        finishBody.countDown();
        assertEquals("200 2000", upload.get(30, TimeUnit.SECONDS));
        stopped.get(40, TimeUnit.SECONDS);
        threads.shutdown();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        } finally {
            if (stopped == null) {
                weft.close();
            }
        }
    }
}
