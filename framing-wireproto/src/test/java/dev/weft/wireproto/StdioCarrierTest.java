package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WireprotoProtocol#serveStreams} over pipes, driven by {@link WireprotoClient}, as stdio is. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StdioCarrierTest {
    private WireprotoClient client;
    private CompletableFuture<Void> served;
    private InputStream serverIn;
    private OutputStream serverOut;
    private final java.util.concurrent.atomic.AtomicLong serverBytesWritten = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.CountDownLatch markReached = new java.util.concurrent.CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        Pipe toServer = Pipe.open();
        Pipe fromServer = Pipe.open();
        serverIn = Channels.newInputStream(toServer.source());
        OutputStream sink = Channels.newOutputStream(fromServer.sink());
        serverOut = new java.io.FilterOutputStream(sink) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                serverBytesWritten.addAndGet(length);
                sink.write(bytes, offset, length);
            }
        };
        OutputStream clientOut = Channels.newOutputStream(toServer.sink());
        InputStream clientIn = Channels.newInputStream(fromServer.source());
        client = new WireprotoClient(clientIn, clientOut, clientOut, () -> {
            clientOut.close();
            clientIn.close();
        });
        WireprotoProtocol protocol = new WireprotoProtocol();
        ProtocolContext context = ProtocolContext.of(TestCommands.router().post("/mark", request -> {
            markReached.countDown();
            return dev.weft.api.Response.ok("marked");
        }));
        served = CompletableFuture.runAsync(() -> {
            try (InputStream in = serverIn; OutputStream out = serverOut) {
                protocol.serveStreams(in, out, context);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
    }

    @Test
    void echoAnswersDataThenMessageThenNothing() throws Exception {
        List<WireprotoReply> replies = client.exchange(List.of(
                WireprotoCommand.of("echo").withArgument("msg", "ignored").withData("the data"),
                WireprotoCommand.of("echo").withArgument("msg", "hello, wireproto"),
                WireprotoCommand.of("echo")));
        assertEquals(List.of("the data", "hello, wireproto", ""), texts(replies));
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void argumentValuesReachTheHandlerAndComeBackAsExactBytes() throws Exception {
        List<WireprotoCommand> commands = new ArrayList<>();
        for (byte[] value : ByteValues.samples()) {
            commands.add(WireprotoCommand.of("echo").withArgument("msg", value));
        }
        commands.add(WireprotoCommand.of("hexargs").withArgument("a", ByteValues.invalidUtf8()).withArgument("b", new byte[0])
                .withArgument("c", ByteValues.allBytes()));
        List<WireprotoReply> replies = client.exchange(commands);
        for (int i = 0; i < ByteValues.samples().size(); i++) {
            assertArrayEquals(ByteValues.samples().get(i), assertInstanceOf(WireprotoReply.Success.class, replies.get(i)).body());
        }
        assertEquals("a=" + java.util.HexFormat.of().formatHex(ByteValues.invalidUtf8()) + ";b=;c="
                + java.util.HexFormat.of().formatHex(ByteValues.allBytes()) + ";",
                assertInstanceOf(WireprotoReply.Success.class, replies.getLast()).text());
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void failingCommandsAreApplicationErrorsAndTheRestGoOn() throws Exception {
        List<WireprotoReply> replies = client.exchange(List.of(WireprotoCommand.of("fail"), WireprotoCommand.of("boom"),
                WireprotoCommand.of("nosuchcommand"), WireprotoCommand.of("../etc"), WireprotoCommand.of("echo").withArgument("msg", "still here")));
        assertEquals("it failed on purpose", assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(0)).message());
        String boom = assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(1)).message();
        assertTrue(boom.contains("boom") && !boom.contains("secret"), boom);
        String unknown = assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(2)).message();
        assertTrue(unknown.contains("nosuchcommand"), unknown);
        String traversal = assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(3)).message();
        assertTrue(traversal.contains("unknown command '../etc'"), traversal);
        assertEquals("still here", assertInstanceOf(WireprotoReply.Success.class, replies.get(4)).text());
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void largeArgumentsDataAndAnswersCrossFrameBoundaries() throws Exception {
        byte[] data = new byte[1_000_003];
        new Random(3).nextBytes(data);
        String longValue = "v".repeat(65535);
        List<WireprotoReply> replies = client.exchange(List.of(
                WireprotoCommand.of("count").withData(data),
                WireprotoCommand.of("args").withArgument("long", longValue).withArgument("short", "x"),
                WireprotoCommand.of("big").withArgument("size", "200000"),
                WireprotoCommand.of("empty")));
        assertEquals(data.length + ":" + TestCommands.checksum(data), texts(replies).get(0));
        assertEquals("long=65535;short=1;", texts(replies).get(1));
        byte[] big = assertInstanceOf(WireprotoReply.Success.class, replies.get(2)).body();
        assertEquals(200_000, big.length);
        for (int i = 0; i < big.length; i++) {
            if (big[i] != TestCommands.pattern(i)) {
                assertEquals(TestCommands.pattern(i), big[i], "byte " + i);
            }
        }
        assertArrayEquals(new byte[0], assertInstanceOf(WireprotoReply.Success.class, replies.get(3)).body());
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void outputIsDeferredUntilEndOfInput() throws Exception {
        client.send(WireprotoCommand.of("echo").withArgument("msg", "later"));
        client.send(WireprotoCommand.of("mark"));
        // Commands run in order, so when mark runs the echo has been answered: half duplex
        // means that answer is held, and nothing has been written yet.
        assertTrue(markReached.await(10, TimeUnit.SECONDS));
        assertEquals(0, serverBytesWritten.get());
        client.endOutput();
        assertEquals("later", ((WireprotoReply.Success) client.readReply()).text());
        assertEquals("marked", ((WireprotoReply.Success) client.readReply()).text());
        served.get(10, TimeUnit.SECONDS);
        assertTrue(serverBytesWritten.get() > 0);
    }

    @Test
    void malformedInputGetsAProtocolErrorAfterTheAnswersOfStartedCommands() throws Exception {
        // All in one go: the commands before the bad frame were started, so they are answered
        // first, in order; then the protocol error, and the server stops.
        client.send(WireprotoCommand.of("echo").withArgument("msg", "before"));
        client.send(WireprotoCommand.of("mark"));
        client.sendRaw(TestFrames.wire("command-data eos stray"));
        assertEquals("before", ((WireprotoReply.Success) client.readReply()).text());
        assertEquals("marked", ((WireprotoReply.Success) client.readReply()).text());
        WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, client.readReply());
        assertTrue(error.fromServer() && error.message().contains("expected a command-name frame"), error.message());
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void hugeLengthClaimIsRefusedAtOnce() throws Exception {
        client.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x11});
        WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, client.readReply());
        assertTrue(error.message().contains("16777215"), error.message());
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void endOfInputInsideACommandIsAProtocolError() throws Exception {
        client.sendRaw(TestFrames.wire("command-name have-data echo", "command-data continuation part"));
        client.endOutput();
        // The started echo's data breaks off: it fails, and then the protocol error follows.
        assertInstanceOf(WireprotoReply.ApplicationError.class, client.readReply());
        WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, client.readReply());
        assertTrue(error.message().contains("input ended inside command 'echo'"), error.message());
        served.get(10, TimeUnit.SECONDS);
    }

    private static List<String> texts(List<WireprotoReply> replies) {
        List<String> texts = new ArrayList<>();
        for (WireprotoReply reply : replies) {
            texts.add(assertInstanceOf(WireprotoReply.Success.class, reply, reply.toString()).text());
        }
        return texts;
    }
}
