package dev.weft.http1;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command-line client with a deadline and captures its output (stderr merged). */
final class ProcessRunner {
    private ProcessRunner() {
    }

    /** What a finished command printed, and its exit code. */
    record Result(int exitCode, String output) {
    }

    static Result run(Duration deadline, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("weft-h1-client", ".log");
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + deadline + ":\n"
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
