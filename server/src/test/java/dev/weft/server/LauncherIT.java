package dev.weft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./weft} launcher as a newcomer meets it: JDK discovery, flags, errors, signals. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherIT {

    @Test
    void helpWorksWithTheMachinesDefaultJavaOnThePath() throws Exception {
        try (WeftProcess weft = WeftProcess.start(Map.of("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"), "--help")) {
            assertEquals(0, weft.waitFor(Duration.ofSeconds(30)), weft.stderr());
            assertTrue(weft.stdout().startsWith("Usage: weft <command>"), weft.stdout());
            assertFalse(weft.stderr().contains("WARNING"), weft.stderr());
        }
    }

    @Test
    void passesJavaOptsToTheJvm() throws Exception {
        try (WeftProcess weft = WeftProcess.start(Map.of("JAVA_OPTS", "-Xmx96m -XshowSettings:vm"), "--help")) {
            assertEquals(0, weft.waitFor(Duration.ofSeconds(30)), weft.stderr());
            assertTrue(weft.stderr().contains("Max. Heap Size: 96.00M"), weft.stderr());
        }
    }

    @Test
    void pluginsListsTransportsProtocolsAndPolicies() throws Exception {
        try (WeftProcess weft = WeftProcess.start("plugins")) {
            assertEquals(0, weft.waitFor(Duration.ofSeconds(30)), weft.stderr());
            String listing = weft.stdout();
            assertTrue(listing.matches("(?s).*\\n  nio +available.*"), listing);
            assertTrue(listing.matches("(?s).*\\n  epoll +available.*"), listing);
            assertTrue(listing.matches("(?s).*\\n  h2 +available.*"), listing);
            assertTrue(listing.matches("(?s).*\\n  wireproto +available.*"), listing);
            assertTrue(listing.matches("(?s).*\\n  default +max-ram.*"), listing);
            assertFalse(weft.stderr().contains("WARNING"), "no JDK warning may reach the user: " + weft.stderr());
        }
    }

    @Test
    void badFlagIsOneLineAndExitStatusTwo() throws Exception {
        try (WeftProcess weft = WeftProcess.start("serve", "--no-such-flag")) {
            assertEquals(2, weft.waitFor(Duration.ofSeconds(30)));
            assertEquals("weft: unknown flag --no-such-flag (see weft --help)\n", weft.stderr());
        }
    }

    @Test
    void portInUseIsOneLineAndSigtermStopsGracefully(@TempDir Path firstTemp, @TempDir Path secondTemp) throws Exception {
        try (WeftProcess first = WeftProcess.start("serve", "--port", "0", "--tmp-dir", firstTemp.toString())) {
            int port = first.awaitPort(Duration.ofSeconds(30));
            try (WeftProcess second = WeftProcess.start("serve", "--port", Integer.toString(port), "--tmp-dir", secondTemp.toString())) {
                assertEquals(1, second.waitFor(Duration.ofSeconds(30)));
                String error = second.stderr();
                assertTrue(error.startsWith("weft: cannot listen on 127.0.0.1:" + port + ": "), error);
                assertEquals(1, error.strip().lines().count(), "one line, no stack trace: " + error);
            }
            // The launcher exec'd the JVM, so SIGTERM reaches the server itself.
            first.terminate();
            int status = first.waitFor(Duration.ofSeconds(30));
            assertEquals(143, status, "128 + SIGTERM after a clean shutdown hook");
            assertTrue(first.stderr().contains("stopped"), first.stderr());
            assertFalse(first.stderr().contains("WARNING"), first.stderr());
        }
    }
}
