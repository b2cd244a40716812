package dev.weft.server.e2e;

import dev.weft.testing.Poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.WeftProcess;
import dev.weft.testing.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /upload} of {@code ./weft serve} (issue 5) driven by {@code curl -F}, on both
 * transports, with the server's heap capped at 96 MiB: fields and a file come back as the exact
 * JSON summary with the file's lower-case SHA-256; each quota ({@code --max-ram},
 * {@code --max-disk}, {@code --max-parts}, {@code --max-header}) answers its 413/431 naming itself
 * and leaves no file in {@code --tmp-dir}; a client killed mid-upload leaves no file; ten
 * concurrent uploads are each byte-exact; and a 1 GiB file streams to disk through that small
 * heap with the right SHA-256.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UploadIT {
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CLEANUP_DEADLINE = Duration.ofSeconds(20);
    private static final Map<String, String> SMALL_HEAP = Peer.SMALL_HEAP;
    private static final ServerSet SERVERS = new ServerSet();
    private static final Pattern FILE_SUMMARY = Pattern.compile(
            "\\{\"field\":\"([^\"]*)\",\"name\":\"([^\"]*)\",\"size\":(\\d+),\"contentType\":\"([^\"]*)\",\"sha256\":\"([0-9a-f]{64})\"}");

    @TempDir
    static Path temp;

    @AfterAll
    static void stopServers() throws Exception {
        SERVERS.close();
    }

    /** The server of a transport with default quotas and a 96 MiB heap. */
    private static WeftProcess server(String transport) throws Exception {
        return SERVERS.get(transport, () -> WeftProcess.serve(SMALL_HEAP, transport,
                "--tmp-dir", tmpDir(transport, "default").toString()));
    }

    private static Path tmpDir(String transport, String name) {
        return temp.resolve("tmp-" + transport + "-" + name);
    }

    private static List<String> curl(String... args) {
        List<String> command = new ArrayList<>(List.of(ExternalTool.require("curl", "curl"),
                "-sS", "--http2-prior-knowledge", "--max-time", "110"));
        command.addAll(List.of(args));
        return command;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void fieldsAndAFileComeBackAsTheirJsonSummary(String transport) throws Exception {
        WeftProcess weft = server(transport);
        Path file = temp.resolve("report-" + transport + ".bin");
        Files.write(file, randomBytes(300_000, 7));
        try {
            String answer = Peer.run(CURL_TIMEOUT, curl("--fail",
                    "--form-string", "title=a \"quoted\" title",
                    "--form-string", "count=42",
                    "-F", "doc=@" + file + ";type=application/x-weft-test",
                    weft.url("/upload"))).assertSuccess().stdout();
            assertEquals("{\"fields\":[{\"name\":\"title\",\"value\":\"a \\\"quoted\\\" title\"},"
                    + "{\"name\":\"count\",\"value\":\"42\"}],"
                    + "\"files\":[{\"field\":\"doc\",\"name\":\"" + file.getFileName() + "\",\"size\":300000,"
                    + "\"contentType\":\"application/x-weft-test\",\"sha256\":\"" + Peer.sha256(file) + "\"}]}\n", answer);
        } finally {
            Files.deleteIfExists(file);
        }
        awaitNoUploadFileLeft(tmpDir(transport, "default"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "nio,   --max-ram",
        "epoll, --max-ram",
        "nio,   --max-disk",
        "epoll, --max-disk",
        "nio,   --max-parts",
        "epoll, --max-parts",
        "nio,   --max-header",
        "epoll, --max-header",
    })
    void eachQuotaAnswersItsStatusAndLeavesNoTempFile(String transport, String flag) throws Exception {
        // Two servers per transport: --max-disk 1m alone (with a small --max-ram the raw-body
        // bound, maxRam + maxDisk, would trip first), and --max-ram 1k --max-parts 3
        // --max-header 200 together, each of which only its own case comes near.
        boolean disk = flag.equals("--max-disk");
        String name = disk ? "max-disk" : "max-ram-parts-header";
        Path tmpDir = tmpDir(transport, name);
        WeftProcess weft = SERVERS.get(transport + "/" + name, () -> disk
                ? WeftProcess.serve(SMALL_HEAP, transport, "--tmp-dir", tmpDir.toString(), "--max-disk", "1m")
                : WeftProcess.serve(SMALL_HEAP, transport, "--tmp-dir", tmpDir.toString(),
                        "--max-ram", "1k", "--max-parts", "3", "--max-header", "200"));
        tripQuota(weft, tmpDir, flag);
    }

    private static void tripQuota(WeftProcess weft, Path tmpDir, String flag) throws Exception {
        String transport = weft.transport();
        Path file = temp.resolve("quota-" + transport + flag + ".bin");
        List<String> form = new ArrayList<>();
        String quota;
        int status;
        switch (flag) {
            case "--max-ram" -> {
                form.addAll(List.of("--form-string", "big=" + "x".repeat(8 * 1024)));
                quota = "maxRam (1024 bytes, set by --max-ram)";
                status = 413;
            }
            case "--max-disk" -> {
                Files.write(file, randomBytes(5 << 20, 11));
                form.addAll(List.of("-F", "upload=@" + file));
                quota = "maxDisk (1048576 bytes, set by --max-disk)";
                status = 413;
            }
            case "--max-parts" -> {
                for (int i = 1; i <= 5; i++) {
                    form.addAll(List.of("--form-string", "field" + i + "=" + i));
                }
                quota = "maxParts (3 parts, set by --max-parts)";
                status = 413;
            }
            case "--max-header" -> {
                Files.write(file, randomBytes(1000, 13));
                form.addAll(List.of("-F", "upload=@" + file + ";filename=" + "n".repeat(300) + ".bin"));
                quota = "maxHeader (200 bytes, set by --max-header)";
                status = 431;
            }
            default -> throw new AssertionError(flag);
        }
        form.addAll(List.of("-w", "%{stderr}%{http_code}", weft.url("/upload")));
        try {
            Peer.Result result = Peer.run(CURL_TIMEOUT, curl(form.toArray(String[]::new))).assertSuccess();
            assertEquals(Integer.toString(status), result.stderr().strip(), result.describe());
            assertTrue(result.stdout().startsWith("request body exceeds " + quota), result.stdout());
        } finally {
            Files.deleteIfExists(file);
        }
        awaitNoUploadFileLeft(tmpDir);
    }

    /**
     * Issue 17: a server killed with SIGKILL in the middle of an upload leaves its half-written temp
     * file behind (no shutdown hook runs); the next server started on the same {@code --tmp-dir}
     * deletes it before it listens, and says so.
     */
    @Test
    void leftoversOfAServerKilledMidUploadAreDeletedByTheNextStart() throws Exception {
        Path tmpDir = temp.resolve("tmp-killed");
        Path file = temp.resolve("slow-killed.bin");
        Files.write(file, new byte[32 << 20]);
        List<Path> left;
        try (WeftProcess first = WeftProcess.serve(SMALL_HEAP, "nio", "--tmp-dir", tmpDir.toString());
             Peer slow = Peer.start(curl("--limit-rate", "1M", "-F", "upload=@" + file, first.url("/upload")))) {
            Poll.until("a temp file for the upload in " + tmpDir, Duration.ofSeconds(30), () -> {
                assertTrue(slow.process().isAlive(), "curl ended before the upload began");
                return uploadFiles(tmpDir).stream().anyMatch(path -> path.getFileName().toString().startsWith("upload-"));
            });
            first.kill(); // kill -9 mid-upload
            left = uploadFiles(tmpDir);
        } finally {
            Files.deleteIfExists(file);
        }
        assertTrue(left.stream().anyMatch(path -> path.getFileName().toString().startsWith("upload-")),
                () -> "kill -9 left no half upload to sweep: " + left);
        try (WeftProcess second = WeftProcess.serve(SMALL_HEAP, "nio", "--tmp-dir", tmpDir.toString())) {
            assertTrue(second.stderr().contains("deleted 1 leftover temp run directory of crashed servers"), second.stderr());
            for (Path path : left) {
                assertFalse(Files.exists(path), () -> path + " of the killed run is still there");
            }
            assertEquals("Hello, world!", Peer.run(CURL_TIMEOUT, curl("--fail", second.url("/hello"))).assertSuccess().stdout());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aClientKilledMidUploadLeavesNoTempFile(String transport) throws Exception {
        WeftProcess weft = server(transport);
        Path tmpDir = tmpDir(transport, "default");
        Path file = temp.resolve("slow-" + transport + ".bin");
        Files.write(file, new byte[64 << 20]);
        try (Peer slow = Peer.start(curl("--limit-rate", "1M", "-F", "upload=@" + file, weft.url("/upload")))) {
            // the upload is under way once its temp file exists; at 1 MiB/s it lasts a minute
            Poll.until("a temp file for the upload in " + tmpDir, Duration.ofSeconds(30), () -> {
                assertTrue(slow.process().isAlive(), "curl ended before the upload began");
                return !uploadFiles(tmpDir).isEmpty();
            });
            slow.process().destroyForcibly();
            assertTrue(slow.process().waitFor(10, TimeUnit.SECONDS), "curl did not die");
        } finally {
            Files.deleteIfExists(file);
        }
        awaitNoUploadFileLeft(tmpDir);
        // and the server goes on serving
        assertEquals("Hello, world!", Peer.run(CURL_TIMEOUT, curl("--fail", weft.url("/hello"))).assertSuccess().stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void tenConcurrentUploadsAreEachByteExact(String transport) throws Exception {
        WeftProcess weft = server(transport);
        List<Path> files = new ArrayList<>();
        List<Peer> uploads = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Path file = temp.resolve("concurrent-" + transport + "-" + i + ".bin");
                Files.write(file, randomBytes(2 << 20, 100 + i));
                files.add(file);
            }
            for (int i = 0; i < 10; i++) {
                uploads.add(Peer.start(curl("--fail", "-F", "file" + i + "=@" + files.get(i), weft.url("/upload"))));
            }
            for (int i = 0; i < 10; i++) {
                String answer = uploads.get(i).await(CURL_TIMEOUT).assertSuccess().stdout();
                Matcher summary = FILE_SUMMARY.matcher(answer);
                assertTrue(summary.find(), answer);
                assertEquals("file" + i, summary.group(1), answer);
                assertEquals(files.get(i).getFileName().toString(), summary.group(2), answer);
                assertEquals(2 << 20, Long.parseLong(summary.group(3)), answer);
                assertEquals(Peer.sha256(files.get(i)), summary.group(5), "upload " + i + ": " + answer);
            }
        } finally {
            for (Peer upload : uploads) {
                upload.close();
            }
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
        awaitNoUploadFileLeft(tmpDir(transport, "default"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aOneGibibyteFileStreamsThroughA96MebibyteHeap(String transport) throws Exception {
        WeftProcess weft = server(transport);
        Peer.assertSmallHeap(weft);
        long size = 1L << 30;
        Path file = temp.resolve("sparse-" + transport + ".bin");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(size);
        }
        try {
            long start = System.nanoTime();
            String answer = Peer.run(Duration.ofSeconds(240), curl("--max-time", "230", "--fail",
                    "-F", "big=@" + file, weft.url("/upload"))).assertSuccess().stdout();
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("UploadIT: 1 GiB upload on %s took %d ms%n", transport, millis);
            Matcher summary = FILE_SUMMARY.matcher(answer);
            assertTrue(summary.find(), answer);
            assertEquals(size, Long.parseLong(summary.group(3)), answer);
            assertEquals(Peer.sha256OfOneGibibyteOfZeros(), summary.group(5), answer);
        } finally {
            Files.deleteIfExists(file);
        }
        awaitNoUploadFileLeft(tmpDir(transport, "default"));
    }

    /**
     * Waits until {@code tmpDir} holds no upload file (anything but the servers' run directories
     * and their lock files), failing after a deadline with what is left.
     */
    static void awaitNoUploadFileLeft(Path tmpDir) throws IOException, InterruptedException {
        try (Stream<Path> walk = Files.walk(tmpDir)) {
            assertTrue(walk.anyMatch(path -> path.getFileName().toString().equals(".lock")),
                    "no server run directory in " + tmpDir + ": the check would look in the wrong place");
        }
        Poll.until("no upload temp file left in " + tmpDir, CLEANUP_DEADLINE, () -> uncheckedUploadFiles(tmpDir).isEmpty());
    }

    private static List<Path> uncheckedUploadFiles(Path tmpDir) {
        try {
            return uploadFiles(tmpDir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> uploadFiles(Path tmpDir) throws IOException {
        try (Stream<Path> walk = Files.walk(tmpDir)) {
            return walk.filter(Files::isRegularFile).filter(path -> !path.getFileName().toString().equals(".lock")).toList();
        } catch (java.io.UncheckedIOException e) {
            // a file deleted between listing and visiting: look again
            return uploadFiles(tmpDir);
        }
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
