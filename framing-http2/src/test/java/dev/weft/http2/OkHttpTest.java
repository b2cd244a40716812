package dev.weft.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
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
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** OkHttp 4.12 with prior knowledge: concurrency on one connection, big bodies, cancellation. */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(120)
class OkHttpTest {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    /** The transport of this invocation; {@link #start} gets it too. */
    @Parameter
    String transport;

    @TempDir
    static Path root;
    static TestServer server;
    static OkHttpClient client;

    @BeforeParameterizedClassInvocation
    static void start(String transport) throws Exception {
        server = new TestServer(transport, root.toRealPath());
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(200);
        dispatcher.setMaxRequestsPerHost(200);
        client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(1, 1, TimeUnit.MINUTES)).readTimeout(60, TimeUnit.SECONDS).build();
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        server.close();
    }

    @Test
    void hundredConcurrentStreamsOnOneConnection() throws Exception {
        // Warm up one connection so every call below multiplexes onto it.
        try (Response warm = client.newCall(new Request.Builder().url(server.url("/hello")).build()).execute()) {
            assertEquals(Protocol.H2_PRIOR_KNOWLEDGE, warm.protocol());
        }
        server.arrivals = new CountDownLatch(100);
        server.release = new CountDownLatch(1);
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<String> answer = new CompletableFuture<>();
            answers.add(answer);
            client.newCall(new Request.Builder().url(server.url("/wait/" + i)).build()).enqueue(new Callback() {
                @Override
                public void onFailure(Call call, IOException e) {
                    answer.completeExceptionally(e);
                }

                @Override
                public void onResponse(Call call, Response response) throws IOException {
                    try (response) {
                        answer.complete(response.body().string());
                    }
                }
            });
        }
        // All 100 handlers are running at the same time before any answers.
        assertTrue(server.arrivals.await(30, TimeUnit.SECONDS), "100 streams in flight at once");
        server.release.countDown();
        for (int i = 0; i < 100; i++) {
            assertEquals(Integer.toString(i), answers.get(i).get(30, TimeUnit.SECONDS));
        }
        assertEquals(1, client.connectionPool().connectionCount(), "one connection carried them all");
        assertEquals(1, server.server.connectionCount());
    }

    @Test
    void uploadOf64MebibytesArrivesByteExact() throws Exception {
        long size = 64L << 20;
        MessageDigest expected = TestServer.sha256();
        RequestBody body = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return size;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                java.util.Random random = new java.util.Random(7);
                byte[] chunk = new byte[1 << 16];
                for (long written = 0; written < size; written += chunk.length) {
                    random.nextBytes(chunk);
                    expected.update(chunk);
                    sink.write(chunk);
                }
            }
        };
        try (Response response = client.newCall(new Request.Builder().url(server.url("/sha256")).post(body).build()).execute()) {
            assertEquals(200, response.code());
            assertEquals(HexFormat.of().formatHex(expected.digest()), response.body().string());
        }
    }

    @Test
    void downloadOf64MebibytesArrivesByteExact() throws Exception {
        Path file = TestServer.randomFile(root.resolve("down-64m.bin"), 64L << 20);
        MessageDigest actual = TestServer.sha256();
        try (Response response = client.newCall(new Request.Builder().url(server.url("/files/down-64m.bin")).build()).execute();
             InputStream in = response.body().byteStream()) {
            assertEquals(200, response.code());
            assertEquals(Long.toString(64L << 20), response.header("content-length"));
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) > 0) {
                actual.update(buffer, 0, read);
            }
        }
        assertEquals(TestServer.sha256(file), HexFormat.of().formatHex(actual.digest()));
    }

    @Test
    void echoStreamsTheBodyBack() throws Exception {
        byte[] payload = new byte[3 << 20];
        new java.util.Random(3).nextBytes(payload);
        try (Response response = client.newCall(new Request.Builder().url(server.url("/echo"))
                .post(RequestBody.create(payload, OCTETS)).build()).execute()) {
            assertEquals(200, response.code());
            byte[] echoed = response.body().bytes();
            assertEquals(payload.length, echoed.length);
            assertTrue(java.util.Arrays.equals(payload, echoed));
        }
    }

    @Test
    void cancelledCallInterruptsHandlerAndFreesItsStream() throws Exception {
        Call call = client.newCall(new Request.Builder().url(server.url("/hang")).build());
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                failure.complete(e);
            }

            @Override
            public void onResponse(Call c, Response response) {
                response.close();
                failure.complete(null);
            }
        });
        // Wait until the server holds the stream, then cancel: OkHttp sends RST_STREAM(CANCEL).
        assertTrue(server.hangStarted.await(10, TimeUnit.SECONDS), "handler started");
        call.cancel();
        assertTrue(server.hangInterrupted.await(10, TimeUnit.SECONDS), "handler thread interrupted by RST_STREAM");
        assertTrue(server.hangResourcesClosed.await(10, TimeUnit.SECONDS), "exchange resources closed");
        assertTrue(failure.get(10, TimeUnit.SECONDS) instanceof IOException);
        // The connection is still good for other streams.
        try (Response response = client.newCall(new Request.Builder().url(server.url("/hello")).build()).execute()) {
            assertEquals("Hello, world!", response.body().string());
        }
    }

    @Test
    void throwingHandlerGets500AndConnectionLives() throws Exception {
        try (Response response = client.newCall(new Request.Builder().url(server.url("/boom")).build()).execute()) {
            assertEquals(500, response.code());
            assertEquals("internal server error\n", response.body().string());
        }
        try (Response response = client.newCall(new Request.Builder().url(server.url("/hello")).build()).execute()) {
            assertEquals(200, response.code());
        }
    }
}
