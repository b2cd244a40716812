package dev.weft.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds a command-line peer (curl, nghttp, h2load, node, strace) for an end-to-end test.
 *
 * <p>On CI ({@code CI} set in the environment, as {@code .ci/run} runs) a missing tool fails
 * the test, because {@code .ci/run} installs every tool the suite uses. On a developer's machine
 * a missing tool aborts the test (reported as skipped) with the Debian package to install, so
 * that {@code mvn verify} still runs everything else.
 */
public final class ExternalTool {
    private ExternalTool() {
    }

    /**
     * @param command the executable name, looked up on {@code PATH}
     * @param debianPackage the package that provides it
     * @return the executable's absolute path
     */
    public static String require(String command, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String message = command + " is not installed: apt-get install -y " + debianPackage + " (.ci/run does this)";
        if (System.getenv("CI") != null) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }
}
