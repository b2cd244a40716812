package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.Availability;
import dev.weft.spi.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where epoll cannot run it says why, and start names the way out. */
class EpollAvailabilityTest {

    @Test
    void otherOperatingSystemsAreRefusedByName() {
        Availability mac = EpollAvailability.checkPlatform("Mac OS X", "aarch64");
        assertFalse(mac.available());
        assertEquals("epoll needs Linux; this is Mac OS X", mac.reason());
        assertFalse(EpollAvailability.checkPlatform("Windows 11", "amd64").available());
    }

    @Test
    void otherArchitecturesAreRefusedByName() {
        Availability riscv = EpollAvailability.checkPlatform("Linux", "riscv64");
        assertFalse(riscv.available());
        assertTrue(riscv.reason().contains("riscv64"), riscv.reason());
    }

    @Test
    void linuxOnBothSupportedArchitecturesPassesThePlatformCheck() {
        assertTrue(EpollAvailability.checkPlatform("Linux", "amd64").available());
        assertTrue(EpollAvailability.checkPlatform("Linux", "aarch64").available());
    }

    @Test
    void thisTestJvmCanRunEpoll() {
        Availability here = EpollAvailability.get();
        assertTrue(here.available(), here.reason());
    }

    /** A JVM that denies native access gets a reason naming the flag, not an exception. */
    @Test
    @Timeout(60)
    void deniedNativeAccessIsReportedWithTheFlagToFixIt() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--illegal-native-access=deny", "-cp", System.getProperty("java.class.path"),
                PrintAvailability.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertTrue(output.startsWith("false|native access is denied"), output);
        assertTrue(output.contains("--enable-native-access=ALL-UNNAMED"), output);
    }

    @Test
    void startingWhereUnavailableNamesTheReasonAndTheWayOut() {
        EpollTransport transport = new EpollTransport(EpollTuning.DEFAULT,
                () -> Availability.unavailable("epoll needs Linux; this is Mac OS X"));
        TransportConfig config = TransportConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> transport.start(config, c -> null));
        assertEquals("the epoll transport cannot run here: epoll needs Linux; this is Mac OS X; use --transport nio instead",
                refused.getMessage());
    }
}
