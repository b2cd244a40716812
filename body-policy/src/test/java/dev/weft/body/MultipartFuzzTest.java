package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes multipart parsing (issue 8). A plain test run replays the corpus under
 * {@code src/test/resources/dev/weft/body/MultipartFuzzTestInputs/multipartParsing}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn -pl body-policy test -Dtest=MultipartFuzzTest
 * -DargLine="-Xmx96m -Djazzer.instrument=dev.weft.**,org.apache.commons.fileupload2.** -Djazzer.max_duration=10m"}
 * (a 2-minute run of that, 357k executions, found nothing).
 *
 * <p>Property: whatever the bytes, a parse ends in form data or a {@link FormException} with
 * 400/413/431 (any other exception is a finding), and no temp file survives the exchange.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // replay takes seconds; a -Djazzer.max_duration=10m run fits
class MultipartFuzzTest {
    private static final BodyPolicy SMALL = new BodyPolicy(null, 4_096, 65_536, 512, 20,
            BodyPolicy.StorageStrategy.FILES_TO_DISK);
    private static final TempDirectory TEMP = openTemp();

    private static TempDirectory openTemp() {
        try {
            Path root = Files.createTempDirectory("weft-fuzz");
            TempDirectory temp = TempDirectory.open(root.resolve("weft"));
            // the fuzzer owns the JVM's lifetime: clean up (run directory, then the empty roots) at exit
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                temp.close();
                try {
                    Files.deleteIfExists(temp.root());
                    Files.deleteIfExists(root);
                } catch (IOException ignored) {
                    // best effort at JVM exit: an empty directory under java.io.tmpdir is all that can remain
                }
            }));
            return temp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void multipartParsing(FuzzedDataProvider data) throws IOException {
        boolean diskForEverything = data.consumeBoolean();
        BodyPolicy policy = diskForEverything
                ? SMALL.withStorage((field, fileName, type) -> BodyPolicy.Storage.DISK) : SMALL;
        byte[] body = data.consumeRemainingAsBytes();
        ExchangeResources resources = new ExchangeResources();
        try {
            FormParser.create(TEMP).withFileDigests(true).parseBody(Body.of(body), Multipart.CONTENT_TYPE, policy, resources);
        } catch (FormException rejected) {
            assertTrue(rejected.status() == 400 || rejected.status() == 413 || rejected.status() == 431,
                    rejected.toString());
            assertEquals(0, filesLeft(), "a failed parse deletes its files at once");
        } finally {
            resources.close();
        }
        assertEquals(0, filesLeft());
    }

    private static long filesLeft() throws IOException {
        try (Stream<Path> files = Files.list(TEMP.runDirectory())) {
            return files.filter(path -> !path.getFileName().toString().equals(".lock")).count();
        }
    }
}
