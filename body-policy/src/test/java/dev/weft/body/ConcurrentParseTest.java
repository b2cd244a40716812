package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bodies fed by other threads, as a protocol feeds handlers: concurrency, resets, disconnects. */
@Timeout(60)
class ConcurrentParseTest {
    @TempDir
    Path root;

    private TempDirectory temp;
    private FormParser parser;
    private ExecutorService threads;

    @BeforeEach
    void open() throws IOException {
        temp = TempDirectory.open(root.resolve("weft"));
        parser = FormParser.create(temp).withFileDigests(true);
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        temp.close();
    }

    private long tempFilesLeft() throws IOException {
        try (Stream<Path> files = Files.list(temp.runDirectory())) {
            return files.filter(path -> !path.getFileName().toString().equals(".lock")).count();
        }
    }

    private long bytesInTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(temp.runDirectory())) {
            long total = 0;
            for (Path file : files.toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    /** Feeds {@code bytes} in random slices (so boundaries fall across chunk edges), then ends. */
    private Future<?> feed(PipedBody body, byte[] bytes, long seed) {
        return threads.submit(() -> {
            Random random = new Random(seed);
            int offset = 0;
            while (offset < bytes.length) {
                int length = Math.min(1 + random.nextInt(20_000), bytes.length - offset);
                body.send(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
                offset += length;
            }
            body.end();
            return null;
        });
    }

    private static Request request(PipedBody body, ExchangeResources resources) {
        return Request.builder().method("POST").path("/upload").headers(Headers.of("content-type", Multipart.CONTENT_TYPE))
                .body(body).resources(resources).build();
    }

    @Test
    void tenConcurrentParsesAreByteExact() throws Exception {
        int uploads = 10;
        List<byte[]> contents = new ArrayList<>();
        List<Future<FormData>> parses = new ArrayList<>();
        List<ExchangeResources> exchanges = new ArrayList<>();
        CountDownLatch allStarted = new CountDownLatch(uploads);
        for (int i = 0; i < uploads; i++) {
            byte[] content = new byte[1_000_000 + i * 77_777];
            new Random(i).nextBytes(content);
            contents.add(content);
            byte[] body = new Multipart().field("index", Integer.toString(i))
                    .file("file", "upload-" + i + ".bin", "application/octet-stream", content).build();
            PipedBody piped = new PipedBody();
            ExchangeResources resources = new ExchangeResources();
            exchanges.add(resources);
            feed(piped, body, 100 + i);
            parses.add(threads.submit(() -> {
                allStarted.countDown();
                allStarted.await();
                return parser.parse(request(piped, resources));
            }));
        }
        for (int i = 0; i < uploads; i++) {
            FormData form = parses.get(i).get(30, TimeUnit.SECONDS);
            assertEquals(Integer.toString(i), ((Input.InMemory) form.first("index")).text());
            Input.OnDisk file = assertInstanceOf(Input.OnDisk.class, form.first("file"));
            assertEquals("upload-" + i + ".bin", file.fileName());
            assertArrayEquals(contents.get(i), Files.readAllBytes(file.path()), "upload " + i);
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(contents.get(i))),
                    file.sha256().orElseThrow());
        }
        assertEquals(uploads, tempFilesLeft());
        exchanges.forEach(ExchangeResources::close);
        assertEquals(0, tempFilesLeft());
    }

    @Test
    void clientResetMidUploadLeavesNoTempFile() throws Exception {
        PipedBody piped = new PipedBody();
        ExchangeResources resources = new ExchangeResources();
        Future<FormData> parse = threads.submit(() -> parser.parse(request(piped, resources)));
        byte[] start = new Multipart().file("f", "a.bin", "application/octet-stream", new byte[500_000]).build();
        piped.send(java.util.Arrays.copyOf(start, 300_000));
        IOException reset = new IOException("RST_STREAM CANCEL");
        piped.fail(reset);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> parse.get(10, TimeUnit.SECONDS));
        assertEquals(reset, failed.getCause());
        assertEquals(0, tempFilesLeft(), "deleted by the parse itself, before the exchange ends");
        resources.close();
    }

    @Test
    void disconnectInterruptingTheHandlerLeavesNoTempFile() throws Exception {
        PipedBody piped = new PipedBody();
        ExchangeResources resources = new ExchangeResources();
        CompletableFuture<Thread> handlerThread = new CompletableFuture<>();
        Future<FormData> parse = threads.submit(() -> {
            handlerThread.complete(Thread.currentThread());
            return parser.parse(request(piped, resources));
        });
        byte[] start = new Multipart().file("f", "a.bin", "application/octet-stream", new byte[500_000]).build();
        piped.send(java.util.Arrays.copyOf(start, 200_000));
        // wait until the part's file has bytes, i.e. the parse is mid-upload, then disconnect
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (bytesInTempFiles() == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the parse never created its temp file");
            }
            Thread.onSpinWait();
        }
        // as the protocol does on a disconnect: end the exchange, interrupt the handler
        resources.close();
        handlerThread.get(5, TimeUnit.SECONDS).interrupt();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> parse.get(10, TimeUnit.SECONDS));
        // interrupted while waiting for body data, or while writing the part (the file channel closes)
        Throwable cause = failed.getCause();
        assertTrue(cause instanceof InterruptedIOException || cause instanceof ClosedByInterruptException,
                () -> "not an interrupt: " + cause);
        assertEquals(0, tempFilesLeft());
    }

    @Test
    void sameParserServesQuotaFailuresAndSuccessesSideBySide() throws Exception {
        BodyPolicy tight = BodyPolicy.defaults().withMaxDisk(100_000);
        List<Future<Integer>> outcomes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int size = i % 2 == 0 ? 50_000 : 150_000;
            byte[] body = new Multipart().file("f", "x.bin", "application/octet-stream", new byte[size]).build();
            PipedBody piped = new PipedBody();
            ExchangeResources resources = new ExchangeResources();
            feed(piped, body, i);
            outcomes.add(threads.submit(() -> {
                try (FormData form = parser.parse(Request.builder().method("POST").path("/")
                        .headers(Headers.of("content-type", Multipart.CONTENT_TYPE)).body(piped).bodyPolicy(tight)
                        .resources(resources).build())) {
                    return 200 + (int) (form.first("f").size() - size);
                } catch (FormException e) {
                    return e.status();
                } finally {
                    resources.close();
                }
            }));
        }
        for (int i = 0; i < outcomes.size(); i++) {
            assertEquals(i % 2 == 0 ? 200 : 413, outcomes.get(i).get(20, TimeUnit.SECONDS), "upload " + i);
        }
        assertEquals(0, tempFilesLeft());
    }
}
