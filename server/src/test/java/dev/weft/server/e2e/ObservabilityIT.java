package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.WeftProcess;
import dev.weft.testing.ExternalTool;
import dev.weft.testing.Poll;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * h2load runs and after it, an access log line per exchange (h2 and HTTP/1.1), the 431 and 413
 * defences counted, the body policy's RAM and disk in use while an upload is held half-way, and
 * {@code /health} turning to 503 draining while SIGTERM waits for an upload in flight.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ObservabilityIT {
    private static final Pattern ADMIN = Pattern.compile("admin on [^:]+:(\\d+) ");
    private static final int REQUESTS = 3000;

    @TempDir
    Path temp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static int adminPort(WeftProcess weft) {
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
        try (WeftProcess weft = WeftProcess.serve(Map.of(), "nio", "--access-log", "--admin-port", "0",
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

    private static void chunk(java.io.OutputStream out, byte[] bytes) throws IOException {
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void http11ExchangesReachTheAccessLogAndTheMetrics() throws Exception {
        String curl = ExternalTool.require("curl", "curl");
        try (WeftProcess weft = WeftProcess.serve(Map.of(), "nio", "--access-log", "--admin-port", "0",
                "--max-disk", "200k", "--tmp-dir", temp.resolve("tmp").toString())) {
            int admin = adminPort(weft);
            // Three requests on one kept connection, a body in, a 431 and a 413 (a file part over --max-disk).
            Peer.Result hellos = Peer.run(Duration.ofSeconds(30), List.of(curl, "-sS", "--http1.1", "-o", "/dev/null",
                    "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{num_connects}\n",
                    weft.url("/hello"), weft.url("/hello"), weft.url("/hello"))).assertSuccess();
            assertEquals("1.1 200 1\n1.1 200 0\n1.1 200 0\n", hellos.stdout());
            Peer.Result sink = Peer.run(Duration.ofSeconds(30), List.of(curl, "-sS", "--http1.1", "--data-binary", "12345",
                    weft.url("/sink"))).assertSuccess();
            assertEquals("5", sink.stdout());
            Peer.Result tooLarge = Peer.run(Duration.ofSeconds(30), List.of(curl, "-sS", "--http1.1", "-o", "/dev/null",
                    "-w", "%{http_code}", "-H", "x-big: " + "a".repeat(20_000), weft.url("/hello"))).assertSuccess();
            assertEquals("431", tooLarge.stdout());
            Path big = java.nio.file.Files.write(temp.resolve("big.bin"), new byte[400_000]);
            Peer.Result overQuota = Peer.run(Duration.ofSeconds(30), List.of(curl, "-sS", "--http1.1", "-o", "/dev/null",
                    "-w", "%{http_code}", "-F", "file=@" + big, weft.url("/upload"))).assertSuccess();
            assertEquals("413", overQuota.stdout());

            // An upload held half-way (a raw HTTP/1.1 peer, chunked): the policy holds its field in
            // RAM and the part of its file read so far on disk until the request ends.
            try (java.net.Socket peer = new java.net.Socket("127.0.0.1", weft.port())) {
                peer.setSoTimeout(30_000);
                java.io.OutputStream out = peer.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                chunk(out, ("--b0undary\r\ncontent-disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
                        + "--b0undary\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                        + "content-type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                chunk(out, new byte[100_000]);
                java.util.concurrent.atomic.AtomicReference<String> lastScrape = new java.util.concurrent.atomic.AtomicReference<>();
                Poll.until("the held upload's field in RAM and part on disk", Duration.ofSeconds(20), () -> {
                    String during = get(admin, "/metrics").body();
                    lastScrape.set(during.lines().filter(l -> l.startsWith("weft_body") || l.startsWith("weft_exchanges_active"))
                            .toList().toString());
                    return sample(during, "weft_body_ram_bytes") == 5 && sample(during, "weft_body_disk_bytes") > 0
                            && sample(during, "weft_exchanges_active") == 1;
                }, lastScrape::get);
                chunk(out, "\r\n--b0undary--\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = new String(peer.getInputStream().readNBytes(40), StandardCharsets.US_ASCII);
                assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            }

            // The peer reads the answer before the server has recorded the exchange (the observer runs
            // once the last byte is written), so wait for it to end before reading the totals.
            Poll.until("the held upload's RAM and disk given back", Duration.ofSeconds(10), () -> {
                try {
                    String now = get(admin, "/metrics").body();
                    return sample(now, "weft_body_ram_bytes") == 0 && sample(now, "weft_body_disk_bytes") == 0
                            && sample(now, "weft_exchanges_active") == 0;
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            String after = get(admin, "/metrics").body();
            assertEquals(5, sample(after, "weft_exchanges_total{protocol=\"http/1.1\",status=\"200\"}"), after);
            assertEquals(1, sample(after, "weft_exchanges_total{protocol=\"http/1.1\",status=\"413\"}"), after);
            assertEquals(6, sample(after, "weft_exchange_duration_seconds_count{protocol=\"http/1.1\"}"), after);
            assertTrue(sample(after, "weft_request_bytes_total") >= 5 + 100_000, after);
            assertEquals(1, sample(after, "weft_defence_trips_total{defence=\"headers_too_large\"}"), after);
            assertEquals(1, sample(after, "weft_defence_trips_total{defence=\"body_too_large\"}"), after);
            Poll.until("an access log line per HTTP/1.1 exchange", Duration.ofSeconds(10), () -> {
                List<String> lines = weft.stderr().lines().filter(l -> l.contains(" http/1.1 \"")).toList();
                return lines.size() == 6
                        && lines.stream().filter(l -> l.contains(" http/1.1 \"GET /hello\" 200 in=0 out=13 ")
                                && l.endsWith(" stream=0")).count() == 3
                        && lines.stream().anyMatch(l -> l.contains(" http/1.1 \"POST /sink\" 200 in=5 out=1 "))
                        && lines.stream().anyMatch(l -> l.contains(" http/1.1 \"POST /upload\" 413 "));
            });
        }
    }

    @Test
    void healthSaysDrainingWhileAnUploadFinishesAfterSigterm() throws Exception {
        WeftProcess weft = WeftProcess.serve(Map.of(), "nio", "--admin-port", "0", "--tmp-dir", temp.resolve("tmp").toString());
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
        stopped = CompletableFuture.runAsync(weft::close, threads); // SIGTERM, then waits for exit status 143
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
