package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB file part streamed through a lazily generated body: the parser must hash it while it
 * streams to disk and never hold more than a bounded window of it in memory.
 */
class LargeUploadTest {
    private static final long ONE_GIB = 1L << 30;
    /**
     * How far the bytes handed to the parser may run ahead of the bytes on disk: one 64 KiB
     * chunk just handed out, the parser's 64 KiB write chunk, and the multipart library's
     * buffer, with room to spare. A parser that buffered the part would blow through this at once.
     */
    private static final long MAX_IN_FLIGHT = 256 * 1024;

    @TempDir
    Path root;

    @Test
    @Timeout(120)
    void oneGibibyteUploadIsHashedWhileStreamingWithBoundedBuffering() throws Exception {
        byte[] prefix = ("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"big\"; filename=\"big.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] suffix = ("\r\n--" + Multipart.BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        long seed = 42;
        long[] maxLag = {0};
        ExchangeResources resources = new ExchangeResources();
        try (TempDirectory temp = TempDirectory.open(root.resolve("weft"))) {
            int[] calls = {0};
            GeneratedBody body = new GeneratedBody(prefix, seed, ONE_GIB, suffix, produced -> {
                if (++calls[0] % 16 == 0) {
                    long lag = produced - prefix.length - bytesOnDisk(temp.runDirectory());
                    maxLag[0] = Math.max(maxLag[0], lag);
                    if (lag > MAX_IN_FLIGHT) {
                        throw new AssertionError("parser holds " + lag + " bytes not yet on disk");
                    }
                }
            });
            long started = System.nanoTime();
            FormData form = FormParser.create(temp).withFileDigests(true)
                    .parseBody(body, Multipart.CONTENT_TYPE, BodyPolicy.defaults(), resources);
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

            Input.OnDisk file = assertInstanceOf(Input.OnDisk.class, form.first("big"));
            assertEquals(ONE_GIB, file.size());
            assertEquals(ONE_GIB, Files.size(file.path()));
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            GeneratedBody.content(seed, ONE_GIB, (chunk, count) -> expected.update(chunk, 0, count));
            assertEquals(HexFormat.of().formatHex(expected.digest()), file.sha256().orElseThrow());
            System.out.printf("1 GiB multipart parse: %d ms (%.0f MiB/s), max bytes in flight %d%n",
                    elapsedMillis, 1024.0 * 1000 / Math.max(elapsedMillis, 1), maxLag[0]);
            assertTrue(maxLag[0] > 0, "the lag probe ran");
            resources.close();
            assertEquals(0, bytesOnDisk(temp.runDirectory()));
        } finally {
            resources.close();
        }
    }

    private static long bytesOnDisk(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            long total = 0;
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(".lock")) {
                    total += Files.size(file);
                }
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
