package dev.weft.server;

import dev.weft.testing.Poll;
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
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./weft} run as a newcomer or an operator runs it, from the repository root: the one
 * launcher helper of the integration tests, the end-to-end tests and the soak (failsafe runs after
 * the jar is packaged, so {@code WEFT_NO_BUILD=1} skips the launcher's build check). Output goes
 * to temp files (nothing blocks on a full pipe), read on demand.
 *
 * <p>Two ways to stop it: {@link #serve} starts a server that {@link #close()} stops with SIGTERM
 * and checks it stopped gracefully (exit 143 within 30 s); {@link #start} runs any command, and
 * {@link #close()} just ends it if it still runs.
 *
 * <p>Threading: one test thread.
 */
public final class WeftProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");
    /** Generous: the first start of a JVM on a shared machine. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final String what;
    private final boolean stopGracefully;
    /** Whether the test killed it on purpose ({@link #kill}): close then only cleans up. */
    private boolean killed;
    /** The transport of a server from {@link #serve}, else null. */
    private String transport;
    private int port = -1;

    private WeftProcess(Process process, Path stdoutFile, Path stderrFile, String what, boolean stopGracefully) {
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
        this.what = what;
        this.stopGracefully = stopGracefully;
    }

    /** @return the checkout's root, where {@code ./weft} lives (failsafe runs in {@code server/}) */
    public static Path repositoryRoot() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }

    /** Runs {@code ./weft <args...>} with extra {@code environment} (e.g. {@code JAVA_OPTS}). */
    public static WeftProcess start(Map<String, String> environment, String... args) throws IOException {
        return launch(environment, List.of(args), String.join(" ", args), false);
    }

    /** Runs {@code ./weft <args...>}. */
    public static WeftProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /**
     * Starts {@code ./weft serve --port 0 --transport <transport> <flags...>} and waits for its
     * start-up line; {@link #close()} then stops it gracefully and checks it did.
     */
    public static WeftProcess serve(Map<String, String> environment, String transport, String... flags)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--transport", transport));
        args.addAll(List.of(flags));
        WeftProcess weft = launch(environment, args, "weft serve (" + transport + ")", true);
        weft.transport = transport;
        try {
            weft.awaitPort(START_TIMEOUT);
            return weft;
        } catch (AssertionError | InterruptedException | RuntimeException e) {
            weft.process.destroyForcibly();
            weft.deleteOutput();
            throw e;
        }
    }

    private static WeftProcess launch(Map<String, String> environment, List<String> args, String what,
                                      boolean stopGracefully) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(repositoryRoot().resolve("weft").toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(repositoryRoot().toFile());
        builder.environment().put("WEFT_NO_BUILD", "1");
        builder.environment().putAll(environment);
        Path stdout = Files.createTempFile("weft-stdout", ".txt");
        Path stderr = Files.createTempFile("weft-stderr", ".txt");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        return new WeftProcess(builder.start(), stdout, stderr, what, stopGracefully);
    }

    /** Waits for the start-up log line and returns the port it names. */
    public int awaitPort(Duration timeout) throws InterruptedException {
        Poll.until(what + " listening (" + stderr() + ")", timeout, () -> {
            if (listeningPort().isPresent()) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(what + " exited with " + process.exitValue() + ": " + stderr());
            }
            return false;
        });
        port = listeningPort().getAsInt();
        return port;
    }

    private OptionalInt listeningPort() {
        Matcher matcher = LISTENING.matcher(stderr());
        return matcher.find() ? OptionalInt.of(Integer.parseInt(matcher.group(1))) : OptionalInt.empty();
    }

    /** @return the port of a started server ({@link #serve} or {@link #awaitPort}) */
    public int port() {
        if (port < 0) {
            throw new IllegalStateException(what + ": port not known yet (awaitPort)");
        }
        return port;
    }

    /** @return the transport a server from {@link #serve} runs on */
    public String transport() {
        return transport;
    }

    /** @return {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path).toString();
    }

    /** @return {@code https://127.0.0.1:<port><path>}, for a server started with a {@code --tls-*} flag */
    public String httpsUrl(String path) {
        return URI.create("https://127.0.0.1:" + port() + path).toString();
    }

    /** Waits for exit; returns the status. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(what + " did not exit within " + timeout + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    /** Sends SIGTERM, as an operator or a service manager would. */
    public void terminate() {
        process.destroy();
    }

    /**
     * Sends SIGKILL ({@code kill -9}), as a crash or the OOM killer would: no shutdown hook runs,
     * nothing is cleaned up. Waits until the process is gone; {@link #close()} then only cleans up.
     */
    public void kill() throws InterruptedException {
        killed = true;
        process.destroyForcibly();
        process.waitFor();
    }

    /** @return the JVM's process id (the launcher execs it) */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String stdout() {
        return read(stdoutFile);
    }

    public String stderr() {
        return read(stderrFile);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A server from {@link #serve}: SIGTERM, then exit status 143 within 30 s or the test fails
     * (also if it died during the test). Anything else: ended if still running.
     */
    @Override
    public void close() {
        try {
            if (!stopGracefully || killed) {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError(what + " died during the test with " + process.exitValue() + ": " + stderr());
            }
            process.destroy();
            if (!awaitExit()) {
                process.destroyForcibly();
                throw new AssertionError(what + " did not stop within 30 s of SIGTERM: " + stderr());
            }
            if (process.exitValue() != 143) {
                throw new AssertionError(what + " exited with " + process.exitValue() + " after SIGTERM, not 143: " + stderr());
            }
        } finally {
            deleteOutput();
        }
    }

    private boolean awaitExit() {
        try {
            return process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while stopping " + what, e);
        }
    }

    private void deleteOutput() {
        try {
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        } catch (IOException ignored) {
            // temp files of a test run
        }
    }
}
