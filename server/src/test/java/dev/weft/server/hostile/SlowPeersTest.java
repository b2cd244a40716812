package dev.weft.server.hostile;

import dev.weft.testing.Poll;
import static dev.weft.server.hostile.H2Attacker.ENHANCE_YOUR_CALM;
import static dev.weft.server.hostile.H2Attacker.NO_ERROR;
import static dev.weft.server.hostile.H2Attacker.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris and the connection cap, against a server with short timeouts (preface 1 s, stalled
 * frame or header block 1 s, idle 2 s) and at most {@value #MAX_CONNECTIONS} connections, with an
 * honest OkHttp client beside each attack.
 */
@Timeout(60)
class SlowPeersTest {
    static final int MAX_CONNECTIONS = 4;
    /** Generous: the timeouts are 1-2 s, the idle sweep runs every quarter timeout, the machine is shared. */
    static final Duration END_WITHIN = Duration.ofSeconds(10);
    /** The attacker's pace: one octet or frame per this (also the step at which it checks for the end). */
    static final Duration PACE = Duration.ofMillis(200);

    @RegisterExtension
    static final HostileFixture FIXTURE = HostileFixture.defaults()
            .http2(Http2Settings.defaults().withSlowPeerTimeout(Duration.ofSeconds(1)))
            .idleTimeout(Duration.ofSeconds(2)).maxConnections(MAX_CONNECTIONS);

    /** A preface dribbled a byte at a time never completes within the preface timeout. */
    @Test
    void slowPrefaceIsClosed() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address())) {
            long started = System.nanoTime();
            for (int i = 0; i < H2Attacker.PREFACE.length; i++) {
                try {
                    attacker.raw(new byte[] {H2Attacker.PREFACE[i]});
                } catch (IOException e) {
                    break;
                }
                if (attacker.waitForEnd(PACE)) {
                    break;
                }
            }
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertTrue(ending.closed(), ending::toString);
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(4).toNanos(), "closed late");
        }
    }

    /** A header block whose CONTINUATION frames come one octet every 200 ms: stalled input. */
    @Test
    void slowHeaderBlockIsEndedWithEnhanceYourCalm() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            byte[] block = request("GET", "/hello");
            attacker.headers(1, new byte[] {block[0]}, true, false);
            attacker.flush();
            int sent = 1;
            for (; sent < block.length && !attacker.waitForEnd(PACE); sent++) {
                try {
                    attacker.continuation(1, new byte[] {block[sent]}, false);
                    attacker.flush();
                } catch (IOException e) {
                    break;
                }
            }
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertEquals(ENHANCE_YOUR_CALM, ending.goAwayCode(), ending::toString);
            assertTrue(ending.closed(), ending::toString);
            assertTrue(sent < 30, "frames dribbled before the end: " + sent);
        }
    }

    /** One frame (a HEADERS frame's payload) dribbled an octet every 200 ms: stalled input. */
    @Test
    void slowFrameIsEndedWithEnhanceYourCalm() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            byte[] block = request("GET", "/hello");
            byte[] header = {0, 0, (byte) block.length, H2Attacker.HEADERS, 0x5, 0, 0, 0, 1};
            attacker.raw(header);
            int sent = 0;
            for (; sent < block.length && !attacker.waitForEnd(PACE); sent++) {
                try {
                    attacker.raw(new byte[] {block[sent]});
                } catch (IOException e) {
                    break;
                }
            }
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertEquals(ENHANCE_YOUR_CALM, ending.goAwayCode(), ending::toString);
            assertTrue(ending.closed(), ending::toString);
            assertTrue(sent < 30, "octets dribbled before the end: " + sent);
        }
    }

    /** An established connection that sends nothing: GOAWAY NO_ERROR after the idle timeout. */
    @Test
    void idleConnectionIsClosedWithNoError() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertEquals(NO_ERROR, ending.goAwayCode(), ending::toString);
            assertTrue(ending.closed(), ending::toString);
        }
    }

    /**
     * Requests whose bodies never come, on a connection that then goes silent: every stream waits
     * for the peer, so the idle timeout ends the connection (GOAWAY NO_ERROR) and the handlers
     * are interrupted.
     */
    @Test
    void idleConnectionWithStreamsWaitingForTheirBodiesIsClosed() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            for (int id = 1; id <= 19; id += 2) {
                attacker.headers(id, request(id < 10 ? "POST" : "GET", id < 10 ? "/sink" : "/hang"), false, true);
            }
            attacker.flush();
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertEquals(NO_ERROR, ending.goAwayCode(), ending::toString);
            assertTrue(ending.closed(), ending::toString);
        }
        Poll.until("every started /hang handler interrupted", END_WITHIN,
                () -> FIXTURE.server().hangInterrupted.get() >= FIXTURE.server().hangStarted.get());
        assertTrue(FIXTURE.server().hangStarted.get() > 0, "no /hang handler started");
        assertEquals(FIXTURE.server().hangStarted.get(), FIXTURE.server().hangInterrupted.get(), "handlers left running");
    }

    /**
     * Connections beyond the cap are refused at once (the transport logs a line saying so); the
     * honest client's connection, already open, is served throughout.
     */
    @Test
    void connectionsBeyondTheCapAreRefused() throws Exception {
        List<H2Attacker> held = new ArrayList<>();
        try {
            // The honest client holds one connection; fill the rest.
            for (int i = 1; i < MAX_CONNECTIONS; i++) {
                H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake();
                attacker.ping(i);
                attacker.flush();
                held.add(attacker);
            }
            for (H2Attacker attacker : held) {
                long deadline = System.nanoTime() + END_WITHIN.toNanos();
                while (attacker.pingAcks.get() == 0 && System.nanoTime() < deadline && !attacker.ended()) {
                    attacker.waitForEnd(Duration.ofMillis(20));
                }
                assertEquals(1, attacker.pingAcks.get(), "a connection under the cap was not served");
            }
            try (Socket refused = new Socket()) {
                int read;
                try {
                    refused.connect(FIXTURE.server().address(), 5_000);
                    refused.setSoTimeout((int) END_WITHIN.toMillis());
                    InputStream in = refused.getInputStream();
                    refused.getOutputStream().write(H2Attacker.PREFACE);
                    read = in.read();
                } catch (IOException e) {
                    read = -1; // reset by the server (even before connect returned): refused
                }
                assertEquals(-1, read, "a connection over the cap was served");
            }
            for (H2Attacker attacker : held) {
                assertFalse(attacker.closedByServer(), "a connection under the cap was closed");
            }
        } finally {
            held.forEach(H2Attacker::close);
        }
    }
}
