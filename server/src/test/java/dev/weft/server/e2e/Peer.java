package dev.weft.server.e2e;

import dev.weft.server.WeftProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line peer (curl, nghttp, bash pipelines) run by an end-to-end test: output captured in
 * temp files (nothing blocks on a pipe), bounded by a timeout after which it is killed and the
 * test fails.
 */
final class Peer implements AutoCloseable {
    private final List<String> command;
    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;

    private Peer(List<String> command, Process process, Path stdoutFile, Path stderrFile) {
        this.command = command;
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
    }

    /** The outcome of a finished command. */
    record Result(List<String> command, int exitCode, byte[] stdoutBytes, String stderr) {
        String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        /** @return this result, after failing the test unless the command exited with 0 */
        Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        String describe() {
            String out = stdout();
            return command + " exited with " + exitCode + "\nstderr: " + stderr
                    + "\nstdout: " + (out.length() > 2000 ? out.substring(0, 2000) + "..." : out);
        }
    }

    /** Starts a command in the background; {@link #await} collects it. */
    static Peer start(List<String> command) throws IOException {
        Path stdout = Files.createTempFile("weft-e2e-peer-out", ".bin");
        Path stderr = Files.createTempFile("weft-e2e-peer-err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            return new Peer(List.copyOf(command), builder.start(), stdout, stderr);
        } catch (IOException e) {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
            throw e;
        }
    }

    /** Runs a command to its end. */
    static Result run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        try (Peer peer = start(command)) {
            return peer.await(timeout);
        }
    }

    /** Waits for the end; kills the command and fails the test after {@code timeout}. */
    Result await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeout + "; stderr: " + read(stderrFile));
        }
        try {
            return new Result(command, process.exitValue(), Files.readAllBytes(stdoutFile), read(stderrFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return what the still-running command has written so far (exit code -1) */
    Result peek() throws IOException {
        return new Result(command, -1, Files.readAllBytes(stdoutFile), read(stderrFile));
    }

    Process process() {
        return process;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Kills the command (and its children) if still running, and deletes the captured output. */
    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        Files.deleteIfExists(stdoutFile);
        Files.deleteIfExists(stderrFile);
    }

    /** @return the lower-case hex SHA-256 of a file */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        try (var in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 16];
            int read;
            while ((read = in.read(chunk)) > 0) {
                digest.update(chunk, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** @return the lower-case hex SHA-256 of bytes */
    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    /** @return the lower-case hex SHA-256 of {@code length} zero bytes (a sparse file's content) */
    static String sha256OfZeros(long length) {
        MessageDigest digest = newSha256();
        byte[] zeros = new byte[1 << 20];
        for (long left = length; left > 0; left -= zeros.length) {
            digest.update(zeros, 0, (int) Math.min(left, zeros.length));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The SHA-256 of 1 GiB of zeros (a sparse file's content), computed once per test JVM on first use. */
    static String sha256OfOneGibibyteOfZeros() {
        return OneGibibyteOfZeros.SHA256;
    }

    private static final class OneGibibyteOfZeros {
        static final String SHA256 = sha256OfZeros(1L << 30);
    }

    /** JAVA_OPTS capping the server's heap at 96 MiB and printing the JVM's settings, to check the cap. */
    static final java.util.Map<String, String> SMALL_HEAP = java.util.Map.of("JAVA_OPTS", "-Xmx96m -XshowSettings:vm");

    /** Fails unless the server's JVM reported a 96 MiB heap cap at start-up. */
    static void assertSmallHeap(WeftProcess weft) {
        if (!weft.stderr().contains("Max. Heap Size: 96.00M")) {
            throw new AssertionError("the server does not run with -Xmx96m: " + weft.stderr());
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
