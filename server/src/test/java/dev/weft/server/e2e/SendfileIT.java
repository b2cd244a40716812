package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code GET /files/...} of {@code ./weft serve} takes the path docs/PERFORMANCE.md names, on
 * both transports. Over HTTP/2 its 16 KiB DATA frames are read with {@code pread(2)} and
 * gathered into few writes (no {@code sendfile} at all); with the gathering switched off
 * ({@code -Dweft.epoll.fileGatherMax=0}, {@code -Dweft.nio.fileGatherMax=0}) every byte leaves by
 * {@code sendfile(2)} (epoll calls it itself, NIO through {@code FileChannel.transferTo}). Over
 * HTTP/1.1 (issue 14) the file is one region, larger than any gathered one: {@code sendfile}.
 * {@code strace -f -e trace=sendfile,pread64} attached to the server counts the bytes of each
 * call while a 1 MiB file goes out, and the download is byte-exact. Twenty more downloads leave
 * the server with no more open file descriptors than before (none leaked per region).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SendfileIT {
    private static final Pattern SENDFILE = Pattern.compile("sendfile\\(\\d+, \\d+, .*\\) = (\\d+)$");
    private static final Pattern PREAD = Pattern.compile("pread64\\(\\d+, .*\\) = (\\d+)$");

    @ParameterizedTest
    @CsvSource({"nio, --http2-prior-knowledge, gathered", "epoll, --http2-prior-knowledge, gathered",
            "nio, --http2-prior-knowledge, zero-copy", "epoll, --http2-prior-knowledge, zero-copy",
            "nio, --http1.1, zero-copy", "epoll, --http1.1, zero-copy"})
    void fileRegionsTakeTheDocumentedPathAndLeakNoDescriptor(String transport, String httpVersion, String path,
                                                             @TempDir Path temp) throws Exception {
        boolean gathered = path.equals("gathered");
        // HTTP/2 gathers by default: its zero-copy rows switch the gathering off
        Map<String, String> environment = !gathered && httpVersion.contains("http2")
                ? Map.of("JAVA_OPTS", "-Dweft." + transport + ".fileGatherMax=0") : Map.of();
        String strace = ExternalTool.require("strace", "strace");
        String curl = ExternalTool.require("curl", "curl");
        Path file = ServedWeft.repositoryRoot().resolve("demo/1m.bin");
        try (ServedWeft weft = ServedWeft.serve(environment, transport, "--tmp-dir", temp.resolve("tmp").toString())) {
            List<String> download = List.of(curl, "-sS", "--fail", httpVersion, "--max-time", "50",
                    weft.url("/files/1m.bin"));
            Peer.run(Duration.ofSeconds(60), download).assertSuccess(); // warm: the handler's classes are loaded
            Path trace = temp.resolve("strace.txt");
            long sent;
            long read;
            try (Peer tracer = Peer.start(List.of(strace, "-f", "-e", "trace=sendfile,pread64", "-o", trace.toString(),
                    "-p", Long.toString(weft.pid())))) {
                awaitAttached(tracer);
                byte[] body = Peer.run(Duration.ofSeconds(60), download).assertSuccess().stdoutBytes();
                assertEquals(Peer.sha256(file), Peer.sha256(body));
                tracer.process().destroy(); // SIGTERM: strace detaches and flushes its output
                assertTrue(tracer.process().waitFor(30, TimeUnit.SECONDS), "strace did not stop");
                sent = bytesOf(SENDFILE, trace);
                read = bytesOf(PREAD, trace);
            }
            if (gathered) {
                assertEquals(0, sent, "bytes sent by sendfile(2) while one 1 MiB file went out in 16 KiB frames");
                // at least once each; a partial write makes the next write read its rest again
                assertTrue(read >= Files.size(file), read + " bytes read by pread(2) for a 1 MiB file");
            } else {
                assertEquals(Files.size(file), sent, "bytes sent by sendfile(2) while one 1 MiB file went out");
            }

            long before = openDescriptors(weft.pid());
            for (int i = 0; i < 20; i++) {
                Peer.run(Duration.ofSeconds(60), download).assertSuccess();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long after = openDescriptors(weft.pid());
            while (after > before) {
                assertTrue(System.nanoTime() < deadline,
                        "open descriptors " + before + " before 20 downloads, " + after + " after");
                Thread.sleep(20); // polling /proc for closes still under way, with a deadline
                after = openDescriptors(weft.pid());
            }
        }
    }

    private static void awaitAttached(Peer tracer) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            // strace reports on stderr once it has attached to every thread
            Peer.Result progress = tracer.peek();
            if (progress.stderr().contains("attached")) {
                return;
            }
            assertTrue(tracer.process().isAlive(), "strace could not attach: " + progress.stderr());
            assertTrue(System.nanoTime() < deadline, "strace did not attach: " + progress.stderr());
            Thread.sleep(20); // polling strace's report, with a deadline
        }
    }

    private static long bytesOf(Pattern pattern, Path trace) throws IOException {
        long total = 0;
        for (String line : Files.readAllLines(trace)) {
            Matcher call = pattern.matcher(line);
            if (call.find()) {
                total += Long.parseLong(call.group(1));
            }
        }
        return total;
    }

    private static long openDescriptors(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }
}
