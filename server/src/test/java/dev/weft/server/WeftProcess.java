package dev.weft.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./weft} run as a newcomer runs it, from the repository root, for the integration tests
 * (failsafe runs them after the jar is packaged, so the launcher's build check is skipped).
 * Output goes to temp files, read on demand.
 */
final class WeftProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");

    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;

    private WeftProcess(Process process, Path stdoutFile, Path stderrFile) {
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
    }

    static Path repositoryRoot() {
        return Path.of("").toAbsolutePath().getParent();
    }

    static WeftProcess start(Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(repositoryRoot().resolve("weft").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(repositoryRoot().toFile());
        builder.environment().put("WEFT_NO_BUILD", "1");
        builder.environment().putAll(environment);
        // Files, not pipes: nothing can block on a full pipe, and every byte is kept.
        Path stdout = Files.createTempFile("weft-stdout", ".txt");
        Path stderr = Files.createTempFile("weft-stderr", ".txt");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        return new WeftProcess(builder.start(), stdout, stderr);
    }

    static WeftProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** Waits for the start-up log line and returns the port it names. */
    int awaitPort(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher matcher = LISTENING.matcher(stderr());
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            if (!process.isAlive()) {
                throw new AssertionError("weft exited with " + process.exitValue() + ": " + stderr());
            }
            Thread.sleep(20); // polling the log with a deadline
        }
        throw new AssertionError("weft did not start within " + timeout + ": " + stderr());
    }

    /** Waits for exit; returns the status. */
    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("weft did not exit within " + timeout + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    /** Sends SIGTERM, as an operator or a service manager would. */
    void terminate() {
        process.destroy();
    }

    long pid() {
        return process.pid();
    }

    String stdout() {
        return read(stdoutFile);
    }

    String stderr() {
        return read(stderrFile);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        } catch (IOException ignored) {
            // temp files of a test run
        }
    }
}
