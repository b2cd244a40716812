package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations of valid multipart bodies (a bounded, deterministic stand-in for a
 * fuzzer): whatever the bytes, a parse ends in form data or a {@link FormException}, never an
 * unchecked exception or another error, and leaves no temp file behind once it fails or the
 * exchange ends.
 */
class MultipartMutationTest {
    private static final int ITERATIONS = 2_000;
    private static final BodyPolicy SMALL = new BodyPolicy(null, 4_096, 65_536, 512, 20,
            BodyPolicy.StorageStrategy.FILES_TO_DISK);

    @TempDir
    Path root;

    @Test
    @Timeout(60)
    void mutatedBodiesEndInDataOrAFormErrorAndLeaveNoFiles() throws IOException {
        Random random = new Random(20_261_121);
        int parsed = 0;
        int rejected = 0;
        try (TempDirectory temp = TempDirectory.open(root.resolve("weft"))) {
            FormParser parser = FormParser.create(temp).withFileDigests(true);
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] body = mutate(validBody(random), random);
                ExchangeResources resources = new ExchangeResources();
                try {
                    FormData form = parser.parseBody(Body.of(body), Multipart.CONTENT_TYPE, SMALL, resources);
                    for (FormField field : form.fields()) {
                        if (field.input() instanceof Input.OnDisk disk) {
                            assertEquals(disk.size(), Files.size(disk.path()), "iteration " + i);
                        }
                    }
                    parsed++;
                } catch (FormException expected) {
                    assertTrue(expected.status() == 400 || expected.status() == 413 || expected.status() == 431,
                            "iteration " + i + ": " + expected);
                    assertEquals(0, filesIn(temp.runDirectory()), "a failed parse deletes its files, iteration " + i);
                    rejected++;
                } catch (IOException | RuntimeException unexpected) {
                    fail("iteration " + i + " escaped with " + unexpected + " on body "
                            + new String(body, StandardCharsets.ISO_8859_1), unexpected);
                } finally {
                    resources.close();
                }
                assertEquals(0, filesIn(temp.runDirectory()), "iteration " + i);
            }
        }
        System.out.printf("mutated multipart bodies: %d parsed, %d rejected%n", parsed, rejected);
        assertTrue(parsed > 0 && rejected > 0, "the mutations reach both outcomes: " + parsed + "/" + rejected);
    }

    private static byte[] validBody(Random random) {
        Multipart multipart = new Multipart();
        int parts = 1 + random.nextInt(5);
        for (int p = 0; p < parts; p++) {
            if (random.nextBoolean()) {
                multipart.field("field" + p, "value-" + random.nextInt(1_000));
            } else {
                byte[] content = new byte[random.nextInt(3_000)];
                random.nextBytes(content);
                multipart.file("file" + p, "f" + p + ".bin", "application/octet-stream", content);
            }
        }
        return multipart.build();
    }

    private static byte[] mutate(byte[] body, Random random) {
        byte[] result = body;
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(result.length + 1);
            switch (random.nextInt(7)) {
                case 0 -> { // flip a byte
                    if (at < result.length) {
                        result[at] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> result = Arrays.copyOf(result, at); // truncate
                case 2 -> result = insert(result, at, randomBytes(random, random.nextInt(64))); // junk
                case 3 -> result = insert(result, at, ("\r\n--" + Multipart.BOUNDARY
                        + (random.nextBoolean() ? "--" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                case 4 -> result = insert(result, at, ("Content-Disposition: form-data; name=\""
                        + "n".repeat(random.nextInt(700)) + "\"; filename=\"\u00e9\u0000x\"\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                case 5 -> { // repeat a slice, e.g. many parts
                    int from = random.nextInt(result.length + 1);
                    int to = Math.min(result.length, from + random.nextInt(200));
                    byte[] slice = Arrays.copyOfRange(result, from, to);
                    ByteArrayOutputStream repeated = new ByteArrayOutputStream();
                    for (int r = 0; r < 1 + random.nextInt(30); r++) {
                        repeated.writeBytes(slice);
                    }
                    result = insert(result, at, repeated.toByteArray());
                }
                default -> result = insert(result, at, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return result;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] insert(byte[] into, int at, byte[] bytes) {
        byte[] result = new byte[into.length + bytes.length];
        System.arraycopy(into, 0, result, 0, at);
        System.arraycopy(bytes, 0, result, at, bytes.length);
        System.arraycopy(into, at, result, at + bytes.length, into.length - at);
        return result;
    }

    private static long filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> !path.getFileName().toString().equals(".lock")).count();
        }
    }
}
