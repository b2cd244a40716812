package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.ProtocolContext;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.transport.nio.NioTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Wireproto over TCP on the NIO transport, driven by {@link WireprotoClient} and by raw sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpCarrierTest {
    private TransportServer server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws IOException {
        WireprotoProtocol protocol = new WireprotoProtocol();
        ProtocolContext context = ProtocolContext.of(TestCommands.router());
        server = new NioTransport().start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1),
                connection -> protocol.open(connection, context));
        address = server.localAddress();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void echoAndSeveralCommandsOnOneConnection() throws IOException {
        try (WireprotoClient client = WireprotoClient.connect(address)) {
            assertEquals("the data", success(client.call(WireprotoCommand.of("echo").withArgument("msg", "no").withData("the data"))));
            assertEquals("hi", success(client.call(WireprotoCommand.of("echo").withArgument("msg", "hi"))));
            assertEquals("", success(client.call(WireprotoCommand.of("echo"))));
            assertEquals("it failed on purpose",
                    assertInstanceOf(WireprotoReply.ApplicationError.class, client.call(WireprotoCommand.of("fail"))).message());
            String unknown = assertInstanceOf(WireprotoReply.ApplicationError.class, client.call(WireprotoCommand.of("missing"))).message();
            assertTrue(unknown.contains("missing"), unknown);
            assertEquals("", success(client.call(WireprotoCommand.of("empty"))));
        }
    }

    @Test
    void echoAnswersTheExactBytesOfItsMessage() throws IOException {
        try (WireprotoClient client = WireprotoClient.connect(address)) {
            for (byte[] value : ByteValues.samples()) {
                WireprotoReply reply = client.call(WireprotoCommand.of("echo").withArgument("msg", value));
                org.junit.jupiter.api.Assertions.assertArrayEquals(value, assertInstanceOf(WireprotoReply.Success.class, reply).body());
            }
        }
    }

    @Test
    void largeUploadAndDownloadStream() throws IOException {
        byte[] data = new byte[3_000_001];
        new Random(5).nextBytes(data);
        try (WireprotoClient client = WireprotoClient.connect(address)) {
            assertEquals(data.length + ":" + TestCommands.checksum(data), success(client.call(WireprotoCommand.of("count").withData(data))));
            WireprotoReply reply = client.call(WireprotoCommand.of("big").withArgument("size", "5000000"));
            byte[] big = assertInstanceOf(WireprotoReply.Success.class, reply).body();
            assertEquals(5_000_000, big.length);
            for (int i = 0; i < big.length; i++) {
                if (big[i] != TestCommands.pattern(i)) {
                    assertEquals(TestCommands.pattern(i), big[i], "byte " + i);
                }
            }
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws IOException {
        int count = 300;
        try (WireprotoClient client = WireprotoClient.connect(address)) {
            // Send everything first from another thread (the server pauses reading past its
            // backlog), and read the answers here.
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        client.send(WireprotoCommand.of("echo").withArgument("msg", "n" + i));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, task -> Thread.ofVirtual().start(task));
            for (int i = 0; i < count; i++) {
                assertEquals("n" + i, success(client.readReply()));
            }
            sending.join();
        }
    }

    @Test
    void halfCloseAfterCommandsGetsTheAnswersThenTheEnd() throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.getOutputStream().write(TestFrames.wire("command-name have-args echo", "command-argument eoa \\x03\\x00\\x02\\x00msgok"));
            socket.shutdownOutput();
            List<Frame> frames = readUntilEnd(socket.getInputStream());
            assertEquals(List.of(TestFrames.frame("bytes-response eos ok")), frames);
        }
    }

    @Test
    void malformedFrameGetsAProtocolErrorThenClose() throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.getOutputStream().write(TestFrames.wire("command-name 0 echo"));
            List<Frame> frames = readUntilEnd(socket.getInputStream());
            assertEquals(1, frames.size());
            assertEquals(FrameFlags.ERROR_PROTOCOL, frames.getFirst().flags());
            assertTrue(frames.getFirst().payloadText().contains("without flags"), frames.getFirst().payloadText());
        }
    }

    @Test
    void startedCommandsAreAnsweredBeforeTheProtocolError() throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.getOutputStream().write(TestFrames.wire("command-name have-args echo",
                    "command-argument eoa \\x03\\x00\\x05\\x00msgfirst", "command-name eos empty", "bytes-response eos x"));
            List<Frame> frames = readUntilEnd(socket.getInputStream());
            assertEquals(3, frames.size(), frames.toString());
            assertEquals(TestFrames.frame("bytes-response eos first"), frames.get(0));
            assertEquals(TestFrames.frame("bytes-response eos "), frames.get(1));
            assertEquals(FrameFlags.ERROR_PROTOCOL, frames.get(2).flags());
        }
    }

    @Test
    void hostilePeersAreCutOffWhileAnHonestClientIsServed() throws Exception {
        List<byte[]> attacks = List.of(
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x12},
                manyArguments(300),
                endlessContinuation(),
                FrameCodec.encodeRaw(7, 0, new byte[10]));
        try (WireprotoClient honest = WireprotoClient.connect(address)) {
            for (byte[] attack : attacks) {
                try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                    CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                        try {
                            socket.getOutputStream().write(attack);
                        } catch (IOException e) {
                            // The server may close before taking it all: that is the point.
                        }
                    }, task -> Thread.ofVirtual().start(task));
                    List<Frame> frames = readUntilEnd(socket.getInputStream());
                    assertEquals(FrameType.ERROR_RESPONSE, frames.getLast().type());
                    assertEquals(FrameFlags.ERROR_PROTOCOL, frames.getLast().flags());
                    writing.get(10, TimeUnit.SECONDS);
                }
                assertEquals("still fine", success(honest.call(WireprotoCommand.of("echo").withArgument("msg", "still fine"))));
            }
        }
    }

    private static byte[] manyArguments(int count) {
        List<byte[]> frames = new ArrayList<>();
        frames.add(FrameCodec.encodeRaw(1, FrameFlags.COMMAND_NAME_HAVE_ARGS, "echo".getBytes()));
        for (int i = 0; i < count; i++) {
            frames.add(FrameCodec.encodeRaw(2, 0, TestFrames.argument("a" + i, "v")));
        }
        return join(frames);
    }

    /** An argument declared 65535 bytes long, fed one-byte continuations well past its length. */
    private static byte[] endlessContinuation() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(FrameCodec.encodeRaw(1, FrameFlags.COMMAND_NAME_HAVE_ARGS, "echo".getBytes()));
        byte[] start = ByteBuffer.allocate(5).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort((short) 1).putShort((short) -1).put((byte) 'k').array();
        frames.add(FrameCodec.encodeRaw(2, FrameFlags.ARGUMENT_CONTINUATION, start));
        for (int i = 0; i < 70_000; i++) {
            frames.add(FrameCodec.encodeRaw(2, FrameFlags.ARGUMENT_CONTINUATION, new byte[] {1}));
        }
        return join(frames);
    }

    private static byte[] join(List<byte[]> parts) {
        int length = parts.stream().mapToInt(part -> part.length).sum();
        ByteBuffer out = ByteBuffer.allocate(length);
        parts.forEach(out::put);
        return out.array();
    }

    private static List<Frame> readUntilEnd(InputStream in) throws IOException {
        // The server must close: end of stream, bounded by the test's timeout.
        return TestFrames.decodeAll(in.readAllBytes());
    }

    private static String success(WireprotoReply reply) {
        return assertInstanceOf(WireprotoReply.Success.class, reply, reply.toString()).text();
    }
}
