package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Response;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ProtocolContext;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP connection handler driven on a scripted connection: back-pressure and backlog. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionHandlerTest {
    private final FakeConnection connection = new FakeConnection();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    private ConnectionHandler open(WireprotoLimits limits) {
        ProtocolContext context = ProtocolContext.of(TestCommands.router().post("/slow", request -> {
            started.countDown();
            release.await();
            long count;
            try (InputStream in = request.takeBody().asInputStream()) {
                count = in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return Response.ok(Long.toString(count));
        }));
        return new WireprotoProtocol(limits).open(connection, context);
    }

    @Test
    void commandDataOverTheWindowPausesReadingUntilTheHandlerConsumes() throws Exception {
        ConnectionHandler handler = open(WireprotoLimits.defaults());
        ClientReactor client = new ClientReactor(WireprotoLimits.defaults());
        handler.onRead(encode(client.commandFrames("slow", List.of(), true)));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        int sent = 0;
        // Feed data until the handler says stop: it must, within the window plus one frame.
        while (!connection.readPaused()) {
            handler.onRead(encode(client.dataFrames(ByteBuffer.allocate(32768), false)));
            sent += 32768;
            assertTrue(sent <= WireprotoLimits.DEFAULT_COMMAND_DATA_WINDOW + 32768, "still reading after " + sent + " bytes");
        }
        release.countDown();
        connection.runTasksUntil(() -> !connection.readPaused());
        handler.onRead(encode(client.dataFrames(ByteBuffer.allocate(10), true)));
        connection.runTasksUntil(() -> connection.written().length > 0 && lastFrameEnds());
        List<Frame> frames = TestFrames.decodeAll(connection.written());
        assertEquals(Long.toString(sent + 10L), frames.getLast().payloadText());
    }

    @Test
    void backlogOfPendingCommandsPausesReading() throws Exception {
        WireprotoLimits limits = WireprotoLimits.defaults();
        ConnectionHandler handler = open(limits);
        ClientReactor client = new ClientReactor(limits);
        handler.onRead(encode(client.commandFrames("slow", List.of(), false)));
        for (int i = 1; i < limits.maxPendingCommands(); i++) {
            assertFalse(connection.readPaused(), "paused after " + i + " commands");
            handler.onRead(encode(client.commandFrames("echo", List.of(Argument.of("msg", "m" + i)), false)));
        }
        assertTrue(connection.readPaused());
        release.countDown();
        connection.runTasksUntil(() -> !connection.readPaused());
        handler.onInputClosed();
        connection.runTasksUntil(connection::outputShut);
        List<Frame> frames = TestFrames.decodeAll(connection.written());
        assertEquals(limits.maxPendingCommands(), frames.size());
        assertEquals("m15", frames.getLast().payloadText());
    }

    @Test
    void idleInsideACommandIsAProtocolErrorAndIdleBetweenCommandsCloses() throws Exception {
        ConnectionHandler handler = open(WireprotoLimits.defaults());
        handler.onRead(ByteBuffer.wrap(TestFrames.wire("command-name have-args echo")));
        handler.onIdleTimeout(connection);
        List<Frame> frames = TestFrames.decodeAll(connection.written());
        assertEquals(FrameFlags.ERROR_PROTOCOL, frames.getLast().flags());
        assertTrue(frames.getLast().payloadText().contains("timed out inside command 'echo'"), frames.getLast().payloadText());
        assertTrue(connection.outputShut());

        FakeConnection quiet = new FakeConnection();
        ConnectionHandler idle = new WireprotoProtocol().open(quiet, ProtocolContext.of(TestCommands.router()));
        idle.onIdleTimeout(quiet);
        assertFalse(quiet.isOpen());
    }

    @Test
    void idleWhileAHandlerWorksKeepsTheConnection() throws Exception {
        ConnectionHandler handler = open(WireprotoLimits.defaults());
        handler.onRead(ByteBuffer.wrap(TestFrames.wire("command-name eos slow")));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        handler.onIdleTimeout(connection);
        assertTrue(connection.isOpen());
        release.countDown();
        connection.runTasksUntil(this::lastFrameEnds);
        assertEquals("0", TestFrames.decodeAll(connection.written()).getLast().payloadText());
    }

    private boolean lastFrameEnds() {
        try {
            List<Frame> frames = TestFrames.decodeAll(connection.written());
            return !frames.isEmpty() && frames.getLast().has(FrameFlags.BYTES_EOS);
        } catch (WireprotoException e) {
            return false;
        }
    }

    private static ByteBuffer encode(List<Frame> frames) {
        int length = frames.stream().mapToInt(frame -> 4 + frame.payload().length).sum();
        ByteBuffer out = ByteBuffer.allocate(length);
        frames.forEach(frame -> out.put(FrameCodec.encode(frame)));
        return out.flip();
    }
}
