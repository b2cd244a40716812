package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.StreamContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CommandBodyTest {

    @Test
    void offerSaysStopAtTheWindowAndDrainingSaysGo() throws IOException {
        AtomicInteger drained = new AtomicInteger();
        CommandBody body = new CommandBody(10, drained::incrementAndGet);
        assertTrue(body.offer(ByteBuffer.allocate(6), false));
        assertFalse(body.offer(ByteBuffer.allocate(6), false));
        assertEquals(6, ((StreamContent.Data) body.next()).bytes().remaining());
        assertEquals(1, drained.get());
        assertTrue(body.offer(ByteBuffer.allocate(1), true));
        body.next();
        body.next();
        assertInstanceOf(StreamContent.End.class, body.next());
    }

    @Test
    void putBlocksWhileTheWindowIsFull() throws Exception {
        CommandBody body = new CommandBody(4, () -> { });
        body.put(ByteBuffer.allocate(4), false);
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
            try {
                body.put(ByteBuffer.allocate(4), true);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> second.get(200, TimeUnit.MILLISECONDS));
        body.next();
        second.get(5, TimeUnit.SECONDS);
        assertEquals(4, ((StreamContent.Data) body.next()).bytes().remaining());
        assertInstanceOf(StreamContent.End.class, body.next());
    }

    @Test
    void failureReachesTheReader() {
        CommandBody body = new CommandBody(4, () -> { });
        body.fail(new IOException("peer gone"));
        IOException error = assertThrows(IOException.class, body::next);
        assertEquals("peer gone", error.getMessage());
    }
}
