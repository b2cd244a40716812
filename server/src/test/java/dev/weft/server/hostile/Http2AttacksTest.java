package dev.weft.server.hostile;

import dev.weft.testing.Poll;
import static dev.weft.server.hostile.H2Attacker.CANCEL;
import static dev.weft.server.hostile.H2Attacker.ENHANCE_YOUR_CALM;
import static dev.weft.server.hostile.H2Attacker.FLOW_CONTROL_ERROR;
import static dev.weft.server.hostile.H2Attacker.REFUSED_STREAM;
import static dev.weft.server.hostile.H2Attacker.STREAM_CLOSED;
import static dev.weft.server.hostile.H2Attacker.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8's HTTP/2 attacks against the real server (demo routes, default limits), one test per
 * attack. Each asserts (a) how the attacker's connection ends and within how many frames, (b)
 * that the server's heap stays bounded, (c) that an honest OkHttp client on its own connection
 * keeps getting correct answers throughout.
 */
@Timeout(60)
class Http2AttacksTest {
    /** Heap an attack may leave in use (after GC, while the attacker is still connected). */
    private static final long HEAP_BOUND = 64L << 20;
    private static final Duration END_WITHIN = Duration.ofSeconds(15);
    private static final int BUDGET = Http2Settings.Limits.defaults().resetBudget();
    private static final int REFILL_PER_SECOND = Http2Settings.Limits.defaults().resetRefillPerSecond();

    @RegisterExtension
    static final HostileFixture FIXTURE = HostileFixture.defaults();

    private static void assertHeapBounded() {
        FIXTURE.assertHeapBounded(HEAP_BOUND);
    }

    private static void awaitTrue(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        Poll.until(what, within, condition::getAsBoolean);
    }

    /**
     * The connection ended within the reset budget: its burst, plus what the bucket refilled while
     * the flood lasted (on a loaded machine that is seconds), plus frames already in flight.
     */
    private static void assertWithinResetBudget(H2Attacker.Ending ending, long floodStartedNanos) {
        long seconds = (System.nanoTime() - floodStartedNanos) / 1_000_000_000L + 1;
        long allowed = BUDGET + REFILL_PER_SECOND * seconds + 64;
        assertTrue(ending.lastStreamId() <= 2 * allowed + 1,
                () -> "streams processed: " + ending + ", more than " + allowed + " in " + seconds + " s");
    }

    private static void assertCalm(H2Attacker.Ending ending) {
        assertEquals(ENHANCE_YOUR_CALM, ending.goAwayCode(), () -> "ending: " + ending);
        assertTrue(ending.closed(), () -> "not closed: " + ending);
    }

    /** Waits until every /hang handler started so far has been interrupted. */
    private static void assertHandlersInterrupted() throws InterruptedException {
        awaitTrue(() -> FIXTURE.server().hangInterrupted.get() == FIXTURE.server().hangStarted.get(), Duration.ofSeconds(5),
                "handlers interrupted: " + FIXTURE.server().hangInterrupted + " of " + FIXTURE.server().hangStarted);
    }

    // ------------------------------------------------------------------ resets

    /** CVE-2023-44487: HEADERS then RST_STREAM, as fast as possible. */
    @Test
    void rapidResetEndsWithEnhanceYourCalmAndInterruptsHandlers() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            long floodStarted = System.nanoTime();
            floodStreams(attacker, 10 * BUDGET, id -> {
                attacker.headers(id, request("GET", "/hang"), true, true);
                attacker.rst(id, CANCEL);
            });
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            // Within the budget (plus what was already in flight when it tripped).
            assertWithinResetBudget(ending, floodStarted);
            assertHeapBounded();
        }
        assertHandlersInterrupted();
    }

    /** CVE-2025-8671: the server is made to reset, here by WINDOW_UPDATE overflowing the stream window. */
    @Test
    void madeYouResetByWindowOverflowEndsWithEnhanceYourCalm() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            long floodStarted = System.nanoTime();
            floodStreams(attacker, 10 * BUDGET, id -> {
                attacker.headers(id, request("GET", "/hang"), true, true);
                attacker.windowUpdate(id, Integer.MAX_VALUE);
            });
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertEquals(FLOW_CONTROL_ERROR, attacker.resets.get(1));
            assertWithinResetBudget(ending, floodStarted);
            assertHeapBounded();
        }
        assertHandlersInterrupted();
    }

    /** CVE-2025-8671: DATA on a stream the client already half-closed makes the server reset it. */
    @Test
    void madeYouResetByDataOnHalfClosedStreamEndsWithEnhanceYourCalm() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            long floodStarted = System.nanoTime();
            byte[] one = {1};
            floodStreams(attacker, 10 * BUDGET, id -> {
                attacker.headers(id, request("GET", "/hang"), true, true);
                attacker.data(id, one, false);
            });
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertEquals(STREAM_CLOSED, attacker.resets.get(1));
            assertWithinResetBudget(ending, floodStarted);
            assertHeapBounded();
        }
        assertHandlersInterrupted();
    }

    /** CVE-2019-9514: frames that make the server reset (here a malformed header name) on stream after stream. */
    @Test
    void resetFloodEndsWithEnhanceYourCalm() throws Exception {
        long started = FIXTURE.server().hangStarted.get();
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            long floodStarted = System.nanoTime();
            floodStreams(attacker, 10 * BUDGET,
                    id -> attacker.headers(id, request("GET", "/hang", "X-Upper-Case", "not allowed in h2"), true, true));
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertEquals(H2Attacker.PROTOCOL_ERROR, attacker.resets.get(1));
            assertWithinResetBudget(ending, floodStarted);
            assertHeapBounded();
        }
        assertEquals(started, FIXTURE.server().hangStarted.get(), "a malformed request reached a handler");
    }

    /** MAX_CONCURRENT_STREAMS: the 129th open stream is refused, the first 128 keep running. */
    @Test
    void streamCapRefusesTheStreamOverTheCap() throws Exception {
        int cap = Http2Settings.DEFAULT_MAX_CONCURRENT_STREAMS;
        long started = FIXTURE.server().hangStarted.get();
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            for (int i = 0; i <= cap; i++) {
                attacker.headers(2 * i + 1, request("GET", "/hang"), true, true);
            }
            attacker.flush();
            int over = 2 * cap + 1;
            awaitTrue(() -> attacker.resets.containsKey(over), Duration.ofSeconds(10), "stream " + over + " refused");
            assertEquals(REFUSED_STREAM, attacker.resets.get(over));
            awaitTrue(() -> FIXTURE.server().hangStarted.get() - started == cap, Duration.ofSeconds(10), cap + " handlers running");
            assertEquals(1, attacker.resets.size(), () -> "resets: " + attacker.resets);
            assertFalse(attacker.ended());
            assertHeapBounded();
        }
        assertHandlersInterrupted();
    }

    // ------------------------------------------------------------------ header blocks

    /** 2024 CONTINUATION flood, large frames: the block's byte cap trips. */
    @Test
    void continuationFloodOfLargeFramesEndsAtTheByteCap() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            byte[] junk = new byte[16_384];
            new Random(1).nextBytes(junk);
            attacker.headers(1, request("GET", "/hello"), true, false);
            flood(attacker, 1_000, i -> attacker.continuation(1, junk, false));
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertTrue(ending.debug().contains("octets"), ending::toString);
            assertHeapBounded();
        }
    }

    /** 2024 CONTINUATION flood, tiny frames: the frame-count cap trips. */
    @Test
    void continuationFloodOfTinyFramesEndsAtTheCountCap() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            byte[] one = {0x00};
            attacker.headers(1, request("GET", "/hello"), true, false);
            flood(attacker, 100_000, i -> attacker.continuation(1, one, false));
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertTrue(ending.debug().contains("CONTINUATION"), ending::toString);
            assertHeapBounded();
        }
    }

    /**
     * CVE-2016-6581: one 4 KB header in the dynamic table, then a block of 4,000 one-octet
     * references to it (16 MB decoded). The list cap answers 431; repeating it spends the budget.
     */
    @Test
    void hpackBombIsCappedAnswered431AndRepeatsEndTheConnection() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            long floodStarted = System.nanoTime();
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.writeBytes(request("GET", "/hello"));
            H2Attacker.indexedLiteral(first, "x-bomb", "b".repeat(4_000));
            for (int i = 0; i < 4_000; i++) {
                H2Attacker.indexed(first, 62);
            }
            attacker.headers(1, first.toByteArray(), true, true);
            attacker.flush();
            awaitTrue(() -> attacker.statuses.containsKey(1), Duration.ofSeconds(10), "answer to stream 1");
            assertEquals("431", attacker.statuses.get(1));
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            again.writeBytes(request("GET", "/hello"));
            for (int i = 0; i < 4_000; i++) {
                H2Attacker.indexed(again, 62);
            }
            byte[] bomb = again.toByteArray();
            floodStreams(attacker, 10 * BUDGET, id -> {
                if (id > 1) {
                    attacker.headers(id, bomb, true, true);
                }
            });
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertWithinResetBudget(ending, floodStarted);
            assertHeapBounded();
        }
    }

    /** CVE-2019-9516: empty header names are malformed HPACK input: COMPRESSION_ERROR on the first block. */
    @Test
    void zeroLengthHeaderNamesEndTheConnectionWithCompressionError() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(request("GET", "/hello"));
            for (int i = 0; i < 5_000; i++) { // 15 KB: one frame
                H2Attacker.literal(block, "", "");
            }
            byte[] empties = block.toByteArray();
            floodStreams(attacker, 10 * BUDGET, id -> attacker.headers(id, empties, true, true));
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertEquals(H2Attacker.COMPRESSION_ERROR, ending.goAwayCode(), ending::toString);
            assertTrue(ending.closed(), ending::toString);
            assertEquals(0, ending.lastStreamId(), "no stream was opened");
            assertHeapBounded();
        }
    }

    /**
     * CVE-2019-9516: blocks of one-letter names with empty values; each field costs its 32
     * octets of overhead, so the list cap answers 431, and repeats spend the reset budget.
     */
    @Test
    void zeroLengthHeaderValuesAreCappedAndRepeatsEndTheConnection() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            long floodStarted = System.nanoTime();
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(request("GET", "/hello"));
            for (int i = 0; i < 4_000; i++) { // 16 KB of block, 132 KB of list with the overhead
                H2Attacker.literal(block, "a", "");
            }
            byte[] empties = block.toByteArray();
            floodStreams(attacker, 10 * BUDGET, id -> attacker.headers(id, empties, true, true));
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertEquals("431", attacker.statuses.get(1));
            assertCalm(ending);
            assertWithinResetBudget(ending, floodStarted);
            assertHeapBounded();
        }
    }

    // ------------------------------------------------------------------ frame floods

    /** CVE-2019-9518: empty DATA frames on an open request. */
    @Test
    void emptyDataFloodEndsWithEnhanceYourCalm() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            attacker.headers(1, request("POST", "/sink"), false, true);
            byte[] none = {};
            flood(attacker, 100_000, i -> attacker.data(1, none, false));
            H2Attacker.Ending ending = attacker.awaitEnd(END_WITHIN);
            assertCalm(ending);
            assertTrue(ending.debug().contains("empty DATA"), ending::toString);
            assertHeapBounded();
        }
    }

    /** CVE-2019-9513: PRIORITY churn. PRIORITY is ignored (RFC 9113 §5.3.2), so the loop costs nothing. */
    @Test
    void priorityChurnKeepsNoStateAndTheConnectionServes() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            Random random = new Random(9513);
            flood(attacker, 200_000, i -> {
                int stream = 2 * random.nextInt(5_000) + 1;
                int dependency = 2 * random.nextInt(5_000) + 1;
                attacker.priority(stream, dependency == stream ? 0 : dependency, random.nextInt(256));
            });
            attacker.ping(42);
            attacker.flush();
            awaitTrue(() -> attacker.pingAcks.get() > 0, Duration.ofSeconds(15), "PING answered after the churn");
            assertFalse(attacker.ended());
            assertHeapBounded();
        }
    }

    /**
     * CVE-2019-9512 from a peer that reads its answers: 50,000 PINGs in bursts of 500 (under the
     * queued-control-frame cap), each burst's ACKs read before the next; all answered, nothing
     * accumulates, the connection stays. (A peer that floods faster than it reads is the next test.)
     */
    @Test
    void pingFloodFromAReadingPeerIsAnsweredWithoutGrowth() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            int burst = 500;
            for (int round = 1; round <= 100; round++) {
                flood(attacker, burst, attacker::ping);
                long expected = (long) round * burst;
                awaitTrue(() -> attacker.pingAcks.get() == expected || attacker.ended(), Duration.ofSeconds(10),
                        "burst " + expected + " answered");
                assertFalse(attacker.ended(), "the connection ended under a reading peer's pings");
            }
            assertHeapBounded();
        }
    }

    /**
     * CVE-2019-9512 / -9515: PING or SETTINGS floods from a peer that does not read: the ACKs
     * queued while the socket is full are capped, past the cap the connection ends.
     */
    @Test
    void pingFloodFromAPeerThatDoesNotReadEndsTheConnection() throws Exception {
        controlFloodWithoutReading(false);
    }

    @Test
    void settingsFloodFromAPeerThatDoesNotReadEndsTheConnection() throws Exception {
        controlFloodWithoutReading(true);
    }

    private void controlFloodWithoutReading(boolean settings) throws Exception {
        int frames = 400_000;
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address(), 4096)) {
            attacker.handshake();
            int sent = flood(attacker, frames, i -> {
                if (settings) {
                    attacker.settings();
                } else {
                    attacker.ping(i);
                }
            });
            attacker.startReading();
            H2Attacker.Ending ending = attacker.awaitEnd(Duration.ofSeconds(30));
            assertTrue(ending.closed(), ending::toString);
            assertTrue(sent < frames || ending.goAwayCode() == ENHANCE_YOUR_CALM, () -> "sent " + sent + ", " + ending);
            if (ending.goAwayCode() != H2Attacker.Ending.NO_GOAWAY) {
                assertEquals(ENHANCE_YOUR_CALM, ending.goAwayCode(), ending::toString);
            }
            System.out.printf("%s flood without reading: %d frames written, %d answers read, %s%n",
                    settings ? "SETTINGS" : "PING", sent, attacker.framesReceived.get(), ending);
            assertHeapBounded();
        }
    }

    // ------------------------------------------------------------------ output side

    /** CVE-2019-9511: a window opened one octet at a time; the server keeps no queue for it. */
    @Test
    void dataDribbleGetsOneOctetPerCreditAndQueuesNothing() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake(0x4, 1)) {
            attacker.headers(1, request("GET", "/files/big.bin"), true, true);
            int credits = 20_000;
            flood(attacker, credits, i -> attacker.windowUpdate(1, 1));
            attacker.flush();
            awaitTrue(() -> attacker.dataBytesReceived.get() == credits + 1, Duration.ofSeconds(30),
                    "one octet per credit: " + attacker.dataBytesReceived);
            assertFalse(attacker.ended());
            assertHeapBounded();
            assertEquals(credits + 1, attacker.dataBytesReceived.get(), "sent beyond the window");
        }
    }

    /**
     * CVE-2019-9517: a peer that opens huge windows, asks for 100 × 8 MiB and echo uploads, and
     * never reads. Output per connection stays at the transport's watermark; handlers block.
     */
    @Test
    void internalDataBufferingIsBoundedWhenThePeerNeverReads() throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address(), 4096)) {
            attacker.handshake(0x4, Integer.MAX_VALUE);
            attacker.windowUpdate(0, Integer.MAX_VALUE - 65_535);
            byte[] chunk = new byte[16_384];
            int id = 1;
            for (int i = 0; i < 100; i++, id += 2) {
                attacker.headers(id, request("GET", "/files/big.bin"), true, true);
            }
            for (int i = 0; i < 20; i++, id += 2) {
                attacker.headers(id, request("POST", "/echo"), false, true);
                for (int k = 0; k < 4; k++) {
                    attacker.data(id, chunk, false);
                }
            }
            attacker.flush();
            // 800 MiB of downloads and 1.25 MiB of echo are asked for; none may pile up in the heap.
            assertHeapBounded();
            // The responses were held back, not dropped: once the peer reads, they flow.
            attacker.startReading();
            awaitTrue(() -> attacker.dataBytesReceived.get() > 4 << 20, Duration.ofSeconds(20),
                    "responses flow once the peer reads: " + attacker.dataBytesReceived);
            assertFalse(attacker.ended(), "the connection ended instead of waiting for the reader");
        }
    }

    // ------------------------------------------------------------------ helpers

    @FunctionalInterface
    private interface StreamAction {
        void open(int streamId) throws IOException;
    }

    @FunctionalInterface
    private interface FrameAction {
        void send(int index) throws IOException;
    }

    /** Opens up to {@code count} streams with {@code action}, stopping when the server ends the connection. */
    private static void floodStreams(H2Attacker attacker, int count, StreamAction action) {
        flood(attacker, count, i -> action.open(2 * i + 1));
    }

    /** @return frames' worth of actions done before the server ended the connection or writes failed */
    private static int flood(H2Attacker attacker, int count, FrameAction action) {
        int i = 0;
        try {
            for (; i < count && !attacker.ended(); i++) {
                action.send(i);
                if (i % 64 == 63) {
                    attacker.flush();
                }
            }
            attacker.flush();
        } catch (IOException e) {
            // the server closed the connection under the flood: what the test waits for
        }
        return i;
    }

}
