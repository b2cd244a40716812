package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.server.WeftProcess;
import dev.weft.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 1 GiB file served by {@code ./weft serve} from a {@code --root} with the server's heap capped
 * at 96 MiB (issues 3 and 6: file regions go out zero-copy, never through the heap), downloaded
 * by {@code curl --http2-prior-knowledge} byte-exact (size and SHA-256), on both transports.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LargeDownloadIT {
    private static final long SIZE = 1L << 30;

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aOneGibibyteFileDownloadsByteExactThroughA96MebibyteHeap(String transport, @TempDir Path temp) throws Exception {
        String curl = ExternalTool.require("curl", "curl");
        Path root = Files.createDirectory(temp.resolve("root"));
        Path file = root.resolve("big.bin");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(SIZE);
        }
        String expected = Peer.sha256OfOneGibibyteOfZeros();
        try (WeftProcess weft = WeftProcess.serve(Peer.SMALL_HEAP, transport,
                "--root", root.toString(), "--tmp-dir", temp.resolve("tmp").toString())) {
            Peer.assertSmallHeap(weft);
            // one download: the body is hashed through the pipe, curl reports its size on stderr
            String pipeline = "set -o pipefail; '" + curl + "' -sS --http2-prior-knowledge --fail --max-time 230"
                    + " -w '%{stderr}%{size_download}' '" + weft.url("/files/big.bin") + "' | sha256sum";
            long start = System.nanoTime();
            Peer.Result result = Peer.run(Duration.ofSeconds(240), List.of("bash", "-c", pipeline)).assertSuccess();
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("LargeDownloadIT: 1 GiB download on %s took %d ms%n", transport, millis);
            assertEquals(Long.toString(SIZE), result.stderr().strip(), result.describe());
            assertEquals(expected + "  -", result.stdout().strip(), result.describe());
        }
    }
}
