package dev.weft.server.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
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
 * {@code ./weft serve} started from the repository root for an end-to-end test, as an operator
 * starts it (failsafe runs after packaging, so {@code WEFT_NO_BUILD=1} skips the launcher's build
 * check), on port 0, with its output in temp files. {@link #close()} stops it with SIGTERM and
 * checks that it stopped cleanly.
 */
final class ServedWeft implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Weft listening on [^:]+:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final String transport;
    private final int port;

    private ServedWeft(Process process, Path stdoutFile, Path stderrFile, String transport) throws InterruptedException {
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
        this.transport = transport;
        this.port = awaitPort();
    }

    /** @return the checkout's root, where {@code ./weft} lives (failsafe runs in {@code server/}) */
    static Path repositoryRoot() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }

    /**
     * Starts {@code ./weft serve --port 0 --transport <transport> <flags...>} and waits for its
     * start-up line.
     *
     * @param environment extra environment, e.g. {@code JAVA_OPTS}
     */
    static ServedWeft serve(Map<String, String> environment, String transport, String... flags)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(repositoryRoot().resolve("weft").toString());
        command.addAll(List.of("serve", "--port", "0", "--transport", transport));
        command.addAll(List.of(flags));
        ProcessBuilder builder = new ProcessBuilder(command).directory(repositoryRoot().toFile());
        builder.environment().put("WEFT_NO_BUILD", "1");
        builder.environment().putAll(environment);
        // Files, not pipes: nothing blocks on a full pipe.
        Path stdout = Files.createTempFile("weft-e2e-stdout", ".txt");
        Path stderr = Files.createTempFile("weft-e2e-stderr", ".txt");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Process process = builder.start();
        try {
            return new ServedWeft(process, stdout, stderr, transport);
        } catch (AssertionError | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
            throw e;
        }
    }

    private int awaitPort() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher matcher = LISTENING.matcher(stderr());
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            if (!process.isAlive()) {
                throw new AssertionError("weft serve (" + transport + ") exited with " + process.exitValue()
                        + ": " + stderr());
            }
            Thread.sleep(20); // polling the log for the start-up line, with a deadline
        }
        throw new AssertionError("weft serve (" + transport + ") did not start within " + START_TIMEOUT + ": " + stderr());
    }

    int port() {
        return port;
    }

    String transport() {
        return transport;
    }

    /** @return {@code http://127.0.0.1:<port><path>} */
    String url(String path) {
        return URI.create("http://127.0.0.1:" + port + path).toString();
    }

    /** @return {@code https://127.0.0.1:<port><path>}, for a server started with a {@code --tls-*} flag */
    String httpsUrl(String path) {
        return URI.create("https://127.0.0.1:" + port + path).toString();
    }

    /** @return the server JVM's process id (the launcher execs it) */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the server with SIGTERM and checks that it stopped gracefully: exit status 143 (the
     * launcher execs the JVM, so the signal reaches it) within 30 s.
     */
    @Override
    public void close() throws IOException {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!awaitExit()) {
                    process.destroyForcibly();
                    throw new AssertionError("weft serve (" + transport + ") did not stop within 30 s of SIGTERM: " + stderr());
                }
                if (process.exitValue() != 143) {
                    throw new AssertionError("weft serve (" + transport + ") exited with " + process.exitValue()
                            + " after SIGTERM, not 143: " + stderr());
                }
            } else {
                throw new AssertionError("weft serve (" + transport + ") died during the test with "
                        + process.exitValue() + ": " + stderr());
            }
        } finally {
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        }
    }

    private boolean awaitExit() {
        try {
            return process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while stopping weft serve (" + transport + ")", e);
        }
    }
}
