package dev.weft.server.hostile;

import static dev.weft.server.hostile.H2Attacker.ENHANCE_YOUR_CALM;
import static dev.weft.server.hostile.H2Attacker.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import dev.weft.spi.MinDataRate;
import dev.weft.testing.Poll;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minimum data rates (issue 17) against the real server: {@value #RATE} octets per second
 * over {@link #GRACE}, idle timeout 30 s (so only the rate can end these peers), with an honest
 * OkHttp client beside each. The deliberately slow peers pace themselves with short sleeps.
 */
@Timeout(60)
class MinDataRateTest {
    static final long RATE = 1_000;
    static final Duration GRACE = Duration.ofSeconds(2);
    static final Duration END_WITHIN = Duration.ofSeconds(15);
    static final Duration PACE = Duration.ofMillis(100);

    @TempDir
    static Path dir;
    static HostileServer server;
    HonestClient honest;

    @BeforeAll
    static void startServer() throws IOException {
        server = new HostileServer(dir, Http2Settings.defaults(), Duration.ofSeconds(30), 100, UnaryOperator.identity(),
                new MinDataRate(RATE, RATE, GRACE));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void startHonestClient() throws IOException {
        honest = new HonestClient(server.address()).start();
    }

    @AfterEach
    void honestClientWasServedThroughout() throws InterruptedException {
        honest.close();
        assertTrue(honest.failures.isEmpty(), () -> "honest client failed: " + honest.failures);
        assertTrue(honest.successes.get() > 0, "honest client made no calls");
    }

    /** 10 octets every 100 ms (100 B/s, a tenth of the minimum): the stream is reset, the connection stays. */
    @Test
    void requestBodyDribbledBelowTheRateIsReset() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(server.address()).handshake()) {
            attacker.headers(1, request("POST", "/sink"), false, true);
            attacker.flush();
            long deadline = System.nanoTime() + END_WITHIN.toNanos();
            while (!attacker.resets.containsKey(1) && System.nanoTime() < deadline) {
                attacker.data(1, new byte[10], false);
                attacker.flush();
                Thread.sleep(PACE); // the deliberately slow peer
            }
            assertEquals(ENHANCE_YOUR_CALM, attacker.resets.get(1), () -> "resets: " + attacker.resets);
            assertFalse(attacker.ended(), "only the stream is reset, not the connection");
        }
    }

    /** 500 octets every 100 ms (5,000 B/s, five times the minimum) for 3 s: the upload completes. */
    @Test
    void uploadAboveTheRateCompletes() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(server.address()).handshake()) {
            attacker.headers(1, request("POST", "/sink"), false, true);
            for (int i = 0; i < 30; i++) {
                attacker.data(1, new byte[500], false);
                attacker.flush();
                Thread.sleep(PACE); // a slow but honest uploader
            }
            attacker.data(1, new byte[0], true);
            attacker.flush();
            Poll.until("upload answered", END_WITHIN, () -> attacker.statuses.containsKey(1) || attacker.resets.containsKey(1));
            assertNull(attacker.resets.get(1), () -> "resets: " + attacker.resets);
            assertEquals("200", attacker.statuses.get(1));
        }
    }

    /** A download whose stream window the peer never opens again: reset once the grace passes. */
    @Test
    void responseStarvedOfWindowIsReset() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(server.address()).handshake()) {
            attacker.headers(1, request("GET", "/files/big.bin"), true, true);
            attacker.flush();
            Poll.until("stream 1 reset", END_WITHIN, () -> attacker.resets.containsKey(1));
            assertEquals(ENHANCE_YOUR_CALM, attacker.resets.get(1));
            assertEquals(65_535, attacker.dataBytesReceived.get(), "what the initial window allowed, then nothing");
            assertFalse(attacker.ended(), "only the stream is reset, not the connection");
        }
    }

    /** A peer that opens every window and then reads nothing off its socket loses the connection. */
    @Test
    void peerThatReadsNothingLosesTheConnection() throws Exception {
        int before = server.server.connectionCount();
        try (H2Attacker attacker = H2Attacker.connect(server.address(), 4096)) {
            attacker.handshake(0x4, Integer.MAX_VALUE); // SETTINGS_INITIAL_WINDOW_SIZE
            attacker.windowUpdate(0, Integer.MAX_VALUE - 65_535);
            attacker.headers(1, request("GET", "/files/big.bin"), true, true);
            attacker.headers(3, request("GET", "/files/big.bin"), true, true);
            attacker.flush();
            Poll.until("attacker connected", END_WITHIN, () -> server.server.connectionCount() > before);
            Poll.until("the connection of the peer that reads nothing closed", END_WITHIN,
                    () -> server.server.connectionCount() == before);
        }
    }
}
