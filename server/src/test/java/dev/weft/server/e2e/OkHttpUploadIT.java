package dev.weft.server.e2e;

import dev.weft.testing.Poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.WeftProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /upload} of {@code ./weft serve} driven by OkHttp ({@code H2_PRIOR_KNOWLEDGE}), on
 * both transports: a multipart body of unknown length (no {@code content-length}, as a streaming
 * client sends it) is summarised with the right size and SHA-256; and a call cancelled while its
 * file part is being saved leaves no file in {@code --tmp-dir}, while the server goes on serving.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OkHttpUploadIT {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final ServerSet SERVERS = new ServerSet();
    private static final Pattern FILE_SUMMARY = Pattern.compile(
            "\\{\"field\":\"([^\"]*)\",\"name\":\"([^\"]*)\",\"size\":(\\d+),\"contentType\":\"([^\"]*)\",\"sha256\":\"([0-9a-f]{64})\"}");

    @TempDir
    static Path temp;

    private OkHttpClient client;

    @BeforeEach
    void createClient() {
        client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .callTimeout(Duration.ofSeconds(120)).build();
    }

    @AfterEach
    void closeClient() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @AfterAll
    static void stopServers() throws Exception {
        SERVERS.close();
    }

    private static WeftProcess server(String transport) throws Exception {
        return SERVERS.get(transport, () -> WeftProcess.serve(Peer.SMALL_HEAP, transport,
                "--tmp-dir", tmpDir(transport).toString()));
    }

    private static Path tmpDir(String transport) {
        return temp.resolve("tmp-" + transport);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aStreamedMultipartBodyOfUnknownLengthIsByteExact(String transport) throws Exception {
        WeftProcess weft = server(transport);
        int size = 24 << 20;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        RequestBody streamed = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return -1; // unknown: no content-length goes out
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                Random random = new Random(5);
                byte[] chunk = new byte[64 * 1024];
                sent.reset();
                for (int written = 0; written < size; written += chunk.length) {
                    random.nextBytes(chunk);
                    sent.update(chunk);
                    sink.write(chunk);
                }
            }
        };
        MultipartBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
                .addFormDataPart("title", "streamed")
                .addFormDataPart("data", "stream.bin", streamed)
                .build();
        Request request = new Request.Builder().url(weft.url("/upload")).post(form).build();
        try (Response response = client.newCall(request).execute()) {
            String answer = response.body().string();
            assertEquals(Protocol.H2_PRIOR_KNOWLEDGE, response.protocol());
            assertEquals(200, response.code(), answer);
            assertTrue(answer.startsWith("{\"fields\":[{\"name\":\"title\",\"value\":\"streamed\"}],"), answer);
            Matcher summary = FILE_SUMMARY.matcher(answer);
            assertTrue(summary.find(), answer);
            assertEquals("stream.bin", summary.group(2));
            assertEquals(size, Long.parseLong(summary.group(3)), answer);
            assertEquals("application/octet-stream", summary.group(4));
            assertEquals(HexFormat.of().formatHex(sent.digest()), summary.group(5), answer);
        }
        UploadIT.awaitNoUploadFileLeft(tmpDir(transport));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aCancelledCallLeavesNoTempFile(String transport) throws Exception {
        WeftProcess weft = server(transport);
        Path tmpDir = tmpDir(transport);
        CountDownLatch cancelled = new CountDownLatch(1);
        RequestBody held = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return 64L << 20; // announced, never all sent
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 64; i++) {
                    sink.write(chunk); // 4 MiB: the file part is on disk by now
                }
                sink.flush();
                try {
                    // held until the test has cancelled the call
                    if (!cancelled.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("the test never cancelled");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                for (int i = 0; i < 960; i++) {
                    sink.write(chunk); // fails: the call was cancelled
                }
            }
        };
        MultipartBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
                .addFormDataPart("data", "held.bin", held).build();
        Call call = client.newCall(new Request.Builder().url(weft.url("/upload")).post(form).build());
        try (ExecutorService caller = Executors.newSingleThreadExecutor()) {
            Future<Response> outcome = caller.submit(call::execute);
            Poll.until("a temp file for the upload in " + tmpDir, Duration.ofSeconds(30), () -> {
                assertTrue(!outcome.isDone(), "the call ended before its upload was held");
                return uploadFileCount(tmpDir) > 0;
            });
            call.cancel();
            cancelled.countDown();
            java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> outcome.get(60, TimeUnit.SECONDS).close());
            assertTrue(failed.getCause() instanceof IOException, failed.toString());
        }
        UploadIT.awaitNoUploadFileLeft(tmpDir);
        try (Response hello = client.newCall(new Request.Builder().url(weft.url("/hello")).build()).execute()) {
            assertEquals("Hello, world!", hello.body().string());
        }
    }

    private static long uploadFileCount(Path tmpDir) throws IOException {
        if (!Files.exists(tmpDir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(tmpDir)) {
            return walk.filter(path -> path.getFileName().toString().startsWith("upload-")).count();
        } catch (java.io.UncheckedIOException e) {
            return uploadFileCount(tmpDir); // a file vanished while listing: look again
        }
    }
}
