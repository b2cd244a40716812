package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.WeftProcess;
import dev.weft.testing.ExternalTool;
import dev.weft.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./weft serve} keeps served files open across requests (docs/PERFORMANCE.md, the
 * open-file cache), and yet a file replaced on disk is served new, a deleted one answers 404,
 * and the deleted file's descriptor is closed (its disk space given back), on both transports,
 * with curl over HTTP/2. The cache's window is 250 ms and its idle close 5 s; the polls wait
 * longer only so that a loaded machine does not fail the test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenFileCacheIT {

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void replacedAndDeletedFilesAreNotServedStaleAndTheirDescriptorsClose(String transport, @TempDir Path temp)
            throws Exception {
        String curl = ExternalTool.require("curl", "curl");
        Path root = Files.createDirectories(temp.resolve("root"));
        Path file = Files.writeString(root.resolve("a.txt"), "one").toRealPath(); // as /proc names it
        try (WeftProcess weft = WeftProcess.serve(Map.of(), transport, "--root", root.toString(),
                "--tmp-dir", temp.resolve("tmp").toString())) {
            List<String> get = List.of(curl, "-sS", "--http2-prior-knowledge", "--max-time", "20", "-w", " %{http_code}",
                    weft.url("/files/a.txt"));
            assertEquals("one 200", Peer.run(Duration.ofSeconds(30), get).assertSuccess().stdout());
            assertTrue(descriptorsOn(weft.pid(), file.toString()) >= 1, "the served file is kept open");

            Path fresh = Files.writeString(root.resolve("a.txt.new"), "two, longer");
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Poll.until("the replaced file served", Duration.ofSeconds(20),
                    () -> Peer.run(Duration.ofSeconds(30), get).assertSuccess().stdout().equals("two, longer 200"));

            Files.delete(file);
            Poll.until("the deleted file answered 404", Duration.ofSeconds(20),
                    () -> Peer.run(Duration.ofSeconds(30), get).assertSuccess().stdout().endsWith(" 404"));
            Poll.until("no descriptor left on the deleted file", Duration.ofSeconds(30),
                    () -> descriptorsOn(weft.pid(), file.toString()) == 0);
        }
    }

    /** @return the process's fds whose target is {@code path} (as it is, or deleted) */
    private static long descriptorsOn(long pid, String path) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.equals(path) || target.equals(path + " (deleted)");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
