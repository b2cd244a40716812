package dev.weft.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.CompletedExchange;
import dev.weft.spi.CompletedExchange.Outcome;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The access log's line: every field in a fixed place, and a hostile path cannot forge a line; its
 * batching writer: every line in order at close, drops counted (never a blocked handler), a failing
 * sink survived.
 */
class AccessLogTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40834);

    @Test
    void lineHasEveryField() {
        CompletedExchange exchange = new CompletedExchange(1_796_418_000_123L, PEER, "h2", "GET", "/hello", 200, 0, 13,
                412_345, 1, Outcome.COMPLETED);
        assertEquals("2026-12-04T21:00:00.123Z 127.0.0.1:40834 h2 \"GET /hello\" 200 in=0 out=13 0.412ms stream=1",
                AccessLog.line(exchange));
    }

    @Test
    void abortedExchangesAndMissingPeersAreMarked() {
        CompletedExchange exchange = new CompletedExchange(0, null, "wireproto", "POST", "/echo", 0, 5, 0,
                12_000_000_000L, 7, Outcome.ABORTED);
        assertEquals("1970-01-01T00:00:00.000Z - wireproto \"POST /echo\" 0 in=5 out=0 12000.000ms stream=7 aborted",
                AccessLog.line(exchange));
    }

    @Test
    void controlCharactersAndQuotesInThePathAreEscaped() {
        CompletedExchange exchange = new CompletedExchange(0, PEER, "h2", "GET", "/a\"\n2026 forged", 404, 0, 0, 0, 3,
                Outcome.COMPLETED);
        assertEquals("1970-01-01T00:00:00.000Z 127.0.0.1:40834 h2 \"GET /a\\x22\\x0a2026 forged\" 404 in=0 out=0 0.000ms stream=3",
                AccessLog.line(exchange));
    }

    @Test
    void timesHaveOneWidthOnTheMinuteAndInAnyMillisecond() {
        // 2026-12-04T21:00:00.000Z: LocalDateTime would print "21:00" without seconds here.
        CompletedExchange onTheMinute = new CompletedExchange(1_796_418_000_000L, PEER, "h2", "GET", "/", 200, 0, 0, 0, 1,
                Outcome.COMPLETED);
        CompletedExchange later = new CompletedExchange(1_796_418_001_007L, PEER, "h2", "GET", "/", 200, 0, 0, 0, 1,
                Outcome.COMPLETED);
        assertTrue(AccessLog.line(onTheMinute).startsWith("2026-12-04T21:00:00.000Z "), AccessLog.line(onTheMinute));
        assertTrue(AccessLog.line(later).startsWith("2026-12-04T21:00:01.007Z "), AccessLog.line(later));
    }

    @Test
    void closeWritesEveryQueuedLineInCompletionOrder() {
        List<String> batches = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(batches::add, AccessLog.MAX_PENDING);
        int exchanges = 3 * AccessLog.MAX_LINES_PER_EVENT + 17;
        for (int i = 1; i <= exchanges; i++) {
            log.exchangeCompleted(exchange(i));
        }
        log.close();
        List<String> lines = batches.stream().flatMap(String::lines).toList();
        assertEquals(exchanges, lines.size());
        for (int i = 1; i <= exchanges; i++) {
            assertTrue(lines.get(i - 1).endsWith(" stream=" + i), lines.get(i - 1));
        }
        assertTrue(batches.stream().allMatch(b -> b.lines().count() <= AccessLog.MAX_LINES_PER_EVENT));
        log.exchangeCompleted(exchange(exchanges + 1));
        assertEquals(1, log.droppedCount(), "an exchange after close is counted, not logged");
    }

    @Test
    void aSlowSinkMakesTheLogDropAndCountNeverBlock() throws InterruptedException {
        CountDownLatch sinkEntered = new CountDownLatch(1);
        CountDownLatch sinkMayReturn = new CountDownLatch(1);
        List<String> batches = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(batch -> {
            batches.add(batch);
            sinkEntered.countDown();
            await(sinkMayReturn);
        }, 4);
        log.exchangeCompleted(exchange(1));
        assertTrue(sinkEntered.await(10, TimeUnit.SECONDS), "the writer took the first batch");
        // The writer is stuck in the sink: four exchanges fit in the queue, three do not.
        for (int i = 2; i <= 8; i++) {
            log.exchangeCompleted(exchange(i));
        }
        assertEquals(3, log.droppedCount());
        sinkMayReturn.countDown();
        log.close();
        List<String> lines = batches.stream().flatMap(String::lines).toList();
        assertEquals(List.of("stream=1", "not logged", "stream=2", "stream=3", "stream=4", "stream=5"),
                lines.stream().map(l -> l.contains("3 exchange(s) not logged") ? "not logged" : l.substring(l.lastIndexOf(' ') + 1)).toList());
    }

    @Test
    void aFailingSinkLosesOneBatchAndTheWriterGoesOn() throws InterruptedException {
        CountDownLatch firstCall = new CountDownLatch(1);
        List<String> batches = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(batch -> {
            if (firstCall.getCount() == 1) {
                firstCall.countDown();
                throw new IllegalStateException("disk full");
            }
            batches.add(batch);
        }, 16);
        log.exchangeCompleted(exchange(1));
        assertTrue(firstCall.await(10, TimeUnit.SECONDS));
        log.exchangeCompleted(exchange(2));
        log.close();
        assertEquals(1, batches.size(), batches.toString());
        assertTrue(batches.getFirst().endsWith(" stream=2"), batches.toString());
    }

    @Test
    void nonAsciiInThePathIsEscapedSoTheLineIsAsciiWhateverTheBinding() {
        CompletedExchange exchange = new CompletedExchange(0, PEER, "h2", "GET", "/caf\u00e9/\u20ac", 200, 0, 0, 0, 5,
                Outcome.COMPLETED);
        assertEquals("1970-01-01T00:00:00.000Z 127.0.0.1:40834 h2 \"GET /caf\\xe9/\\u20ac\" 200 in=0 out=0 0.000ms stream=5",
                AccessLog.line(exchange));
    }

    @Test
    void largeNumbersAndIpv6PeersAreWrittenWhole() {
        CompletedExchange exchange = new CompletedExchange(1_796_418_000_123L, new InetSocketAddress("::1", 65535), "h2",
                "POST", "/upload", 413, 9_876_543_210L, 0, 3_600_000_000_000L, 2_147_483_647L, Outcome.COMPLETED);
        assertEquals("2026-12-04T21:00:00.123Z 0:0:0:0:0:0:0:1:65535 h2 \"POST /upload\" 413 in=9876543210 out=0 "
                + "3600000.000ms stream=2147483647", AccessLog.line(exchange));
    }

    private static CompletedExchange exchange(long stream) {
        return new CompletedExchange(1_796_418_000_123L, PEER, "h2", "GET", "/hello", 200, 0, 13, 412_345, stream,
                Outcome.COMPLETED);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
