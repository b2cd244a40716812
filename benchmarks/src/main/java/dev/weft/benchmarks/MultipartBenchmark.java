package dev.weft.benchmarks;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import dev.weft.body.FormData;
import dev.weft.body.FormParser;
import dev.weft.body.TempDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The body-policy multipart parser ({@link FormParser}): a form of four text fields and two
 * files (3 MiB and 1 MiB, random bytes) parsed per operation, file parts going to disk (the
 * default strategy) or everything kept in RAM. The {@code bytes} counter gives MB/s of body
 * parsed; temp files are deleted after each operation, inside the measured time, as an
 * exchange's end does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MultipartBenchmark {
    private static final String BOUNDARY = "----WeftBenchBoundary7MA4YWxkTrZu0gW";

    /** Where the file parts go. */
    @Param({"disk", "ram"})
    public String storage;

    private byte[] body;
    private String contentType;
    private Path root;
    private TempDirectory tempDirectory;
    private FormParser parser;
    private BodyPolicy policy;

    /** Builds the form body and a private temp directory. */
    @Setup
    public void setUp() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String name : new String[] {"title", "description", "tags", "visibility"}) {
            part(out, "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n",
                    ("value of " + name + " ").repeat(8).getBytes(StandardCharsets.UTF_8));
        }
        for (int size : new int[] {3 << 20, 1 << 20}) {
            byte[] file = new byte[size];
            random.nextBytes(file);
            part(out, "Content-Disposition: form-data; name=\"file\"; filename=\"data-" + size + ".bin\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n", file);
        }
        out.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        body = out.toByteArray();
        contentType = "multipart/form-data; boundary=" + BOUNDARY;
        root = Files.createTempDirectory("weft-bench-multipart");
        tempDirectory = TempDirectory.open(root);
        parser = FormParser.create(tempDirectory);
        policy = BodyPolicy.defaults().withMaxRam(64L << 20).withTempDirectory(tempDirectory.runDirectory());
        if (storage.equals("ram")) {
            policy = policy.withStorage((field, fileName, type) -> BodyPolicy.Storage.RAM);
        }
    }

    private static void part(ByteArrayOutputStream out, String headers, byte[] content) throws IOException {
        out.write(("--" + BOUNDARY + "\r\n" + headers).getBytes(StandardCharsets.US_ASCII));
        out.write(content);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Removes the temp directory. */
    @TearDown
    public void tearDown() throws IOException {
        tempDirectory.close();
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Parses the whole form. */
    @Benchmark
    public int parse(Throughput counters) throws IOException {
        try (ExchangeResources resources = new ExchangeResources();
             FormData form = parser.parseBody(Body.of(body), contentType, policy, resources)) {
            counters.bytes += body.length;
            counters.frames += form.fields().size();
            return form.fields().size();
        }
    }
}
