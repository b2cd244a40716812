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
 * {@code GET /files/...} of {@code ./weft serve} goes out through {@code sendfile(2)} on both
 * transports (issue 6; epoll calls it itself, NIO through {@code FileChannel.transferTo}), over
 * HTTP/2 and over HTTP/1.1 (issue 14):
 * {@code strace -f -e trace=sendfile} attached to the server counts every byte of a 1 MiB file
 * leaving by that call, and the download is byte-exact. Twenty more downloads leave the server
 * with no more open file descriptors than before (none leaked per region).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SendfileIT {
    private static final Pattern SENDFILE = Pattern.compile("sendfile\\(\\d+, \\d+, .*\\) = (\\d+)$");

    @ParameterizedTest
    @CsvSource({"nio, --http2-prior-knowledge", "epoll, --http2-prior-knowledge", "nio, --http1.1", "epoll, --http1.1"})
    void fileRegionsLeaveThroughSendfileAndLeakNoDescriptor(String transport, String httpVersion, @TempDir Path temp)
            throws Exception {
        String strace = ExternalTool.require("strace", "strace");
        String curl = ExternalTool.require("curl", "curl");
        Path file = ServedWeft.repositoryRoot().resolve("demo/1m.bin");
        try (ServedWeft weft = ServedWeft.serve(Map.of(), transport, "--tmp-dir", temp.resolve("tmp").toString())) {
            List<String> download = List.of(curl, "-sS", "--fail", httpVersion, "--max-time", "50",
                    weft.url("/files/1m.bin"));
            Peer.run(Duration.ofSeconds(60), download).assertSuccess(); // warm: the handler's classes are loaded
            Path trace = temp.resolve("strace.txt");
            long sent;
            try (Peer tracer = Peer.start(List.of(strace, "-f", "-e", "trace=sendfile", "-o", trace.toString(),
                    "-p", Long.toString(weft.pid())))) {
                awaitAttached(tracer);
                byte[] body = Peer.run(Duration.ofSeconds(60), download).assertSuccess().stdoutBytes();
                assertEquals(Peer.sha256(file), Peer.sha256(body));
                tracer.process().destroy(); // SIGTERM: strace detaches and flushes its output
                assertTrue(tracer.process().waitFor(30, TimeUnit.SECONDS), "strace did not stop");
                sent = sendfileBytes(trace);
            }
            assertEquals(Files.size(file), sent, "bytes sent by sendfile(2) while one 1 MiB file went out");

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

    private static long sendfileBytes(Path trace) throws IOException {
        long total = 0;
        for (String line : Files.readAllLines(trace)) {
            Matcher call = SENDFILE.matcher(line);
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
