package dev.weft.server.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import dev.weft.wireproto.Frame;
import dev.weft.wireproto.FrameCodec;
import dev.weft.wireproto.FrameDecoder;
import dev.weft.wireproto.FrameFlags;
import dev.weft.wireproto.FrameType;
import dev.weft.wireproto.WireprotoLimits;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile wireproto peers against the real server ({@code --protocol auto} detects wireproto):
 * huge frame lengths, argument floods, endless continuation, commands that never end. Each ends
 * with an error-response frame with the protocol flag and a close (or, for a command that never
 * ends, a close at the idle timeout) while the heap stays bounded and an honest HTTP/2 client is
 * served.
 */
@Timeout(60)
class WireprotoAttacksTest {
    private static final long HEAP_BOUND = 64L << 20;
    private static final Duration END_WITHIN = Duration.ofSeconds(15);

    @RegisterExtension
    static final HostileFixture FIXTURE = HostileFixture.defaults().idleTimeout(Duration.ofSeconds(2));

    /** A raw wireproto peer: writes frames, a reader records the answers and the close. */
    private static final class Peer implements AutoCloseable {
        final Socket socket = new Socket();
        final OutputStream out;
        final List<Frame> received = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        Peer() throws IOException {
            socket.connect(FIXTURE.server().address(), 5_000);
            out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
            Thread.ofVirtual().name("wireproto-attacker-reader").start(() -> {
                FrameDecoder decoder = new FrameDecoder(WireprotoLimits.DEFAULT_MAX_RECEIVE_FRAME_LENGTH);
                byte[] buffer = new byte[16 << 10];
                try (InputStream in = socket.getInputStream()) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        decoder.decode(ByteBuffer.wrap(buffer, 0, n), received::add);
                    }
                } catch (IOException e) {
                    // reset by the server, closed by us, or a frame we cannot decode (a WireprotoException)
                } finally {
                    closed.complete(null);
                }
            });
        }

        void frame(FrameType type, int flags, byte[] payload) throws IOException {
            out.write(FrameCodec.encodeRaw(type.code(), flags, payload));
        }

        void flush() throws IOException {
            out.flush();
        }

        /** Waits for the close and returns the protocol error the server sent before it. */
        Frame awaitProtocolErrorAndClose() throws Exception {
            closed.get(END_WITHIN.toSeconds(), TimeUnit.SECONDS);
            Frame last = received.isEmpty() ? null : received.getLast();
            assertTrue(last != null && last.type() == FrameType.ERROR_RESPONSE && last.has(FrameFlags.ERROR_PROTOCOL),
                    () -> "expected a protocol error before the close, got " + received);
            return last;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static byte[] argument(String name, int valueLength, int valueHere) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer payload = ByteBuffer.allocate(4 + nameBytes.length + valueHere).order(ByteOrder.LITTLE_ENDIAN);
        payload.putShort((short) nameBytes.length).putShort((short) valueLength).put(nameBytes);
        return payload.array();
    }

    private static void assertHeapBounded() {
        FIXTURE.assertHeapBounded(HEAP_BOUND);
    }

    /**
     * A header claiming 16 MiB after a first, honest command (under {@code auto} a first frame
     * that long is not taken for wireproto at all): refused as soon as the header is in, nothing
     * allocated for it.
     */
    @Test
    void hugeFrameLengthIsAProtocolError() throws Exception {
        try (Peer peer = new Peer()) {
            peer.frame(FrameType.COMMAND_NAME, FrameFlags.COMMAND_NAME_EOS, "echo".getBytes(StandardCharsets.UTF_8));
            peer.out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x11});
            peer.out.write(new byte[1024]);
            peer.flush();
            Frame error = peer.awaitProtocolErrorAndClose();
            assertTrue(error.payloadText().contains("65535"), error::payloadText);
            assertHeapBounded();
        }
    }

    /** More arguments than {@code maxArguments}. */
    @Test
    void argumentFloodIsAProtocolError() throws Exception {
        try (Peer peer = new Peer()) {
            peer.frame(FrameType.COMMAND_NAME, FrameFlags.COMMAND_NAME_HAVE_ARGS, "echo".getBytes(StandardCharsets.UTF_8));
            try {
                for (int i = 0; i < 10_000 && !peer.closed.isDone(); i++) {
                    peer.frame(FrameType.COMMAND_ARGUMENT, 0, argument("a" + i, 0, 0));
                }
                peer.flush();
            } catch (IOException e) {
                // closed under the flood
            }
            Frame error = peer.awaitProtocolErrorAndClose();
            assertTrue(error.payloadText().contains("arguments"), error::payloadText);
        }
    }

    /** Arguments of 64 KiB each, until the per-command byte cap. */
    @Test
    void argumentBytesOverTheCapAreAProtocolError() throws Exception {
        try (Peer peer = new Peer()) {
            peer.frame(FrameType.COMMAND_NAME, FrameFlags.COMMAND_NAME_HAVE_ARGS, "echo".getBytes(StandardCharsets.UTF_8));
            byte[] big = new byte[65_000];
            try {
                for (int i = 0; i < 200 && !peer.closed.isDone(); i++) {
                    ByteBuffer payload = ByteBuffer.allocate(4 + 2 + big.length).order(ByteOrder.LITTLE_ENDIAN);
                    payload.putShort((short) 2).putShort((short) big.length).put("v".concat(Integer.toString(i % 10))
                            .getBytes(StandardCharsets.UTF_8)).put(big);
                    peer.frame(FrameType.COMMAND_ARGUMENT, 0, payload.array());
                }
                peer.flush();
            } catch (IOException e) {
                // closed under the flood
            }
            Frame error = peer.awaitProtocolErrorAndClose();
            assertTrue(error.payloadText().contains("over the limit"), error::payloadText);
            assertHeapBounded();
        }
    }

    /** An argument value continued past its declared length. */
    @Test
    void argumentContinuedPastItsLengthIsAProtocolError() throws Exception {
        try (Peer peer = new Peer()) {
            peer.frame(FrameType.COMMAND_NAME, FrameFlags.COMMAND_NAME_HAVE_ARGS, "echo".getBytes(StandardCharsets.UTF_8));
            peer.frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, argument("msg", 100, 10));
            try {
                for (int i = 0; i < 1_000 && !peer.closed.isDone(); i++) {
                    peer.frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, new byte[50]);
                }
                peer.flush();
            } catch (IOException e) {
                // closed under the flood
            }
            Frame error = peer.awaitProtocolErrorAndClose();
            assertTrue(error.payloadText().contains("continues past"), error::payloadText);
        }
    }

    /** Endless empty continuation frames: they add nothing, so only a count can stop them. */
    @Test
    void endlessEmptyContinuationIsAProtocolError() throws Exception {
        try (Peer peer = new Peer()) {
            peer.frame(FrameType.COMMAND_NAME, FrameFlags.COMMAND_NAME_HAVE_ARGS, "echo".getBytes(StandardCharsets.UTF_8));
            peer.frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, argument("msg", 100, 10));
            try {
                for (int i = 0; i < 100_000 && !peer.closed.isDone(); i++) {
                    peer.frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, new byte[0]);
                }
                peer.flush();
            } catch (IOException e) {
                // closed under the flood
            }
            Frame error = peer.awaitProtocolErrorAndClose();
            assertTrue(error.payloadText().contains("empty continuation"), error::payloadText);
        }
    }

    /**
     * A command whose data never ends, from a peer that never reads the echo: the carrier stops
     * reading at its data window and the output watermark, the heap stays flat, and the silent
     * connection is closed at the idle timeout.
     */
    @Test
    void neverEndingCommandFromAPeerThatDoesNotReadIsBoundedAndClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(FIXTURE.server().address(), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write(FrameCodec.encodeRaw(FrameType.COMMAND_NAME.code(), FrameFlags.COMMAND_NAME_HAVE_DATA,
                    "echo".getBytes(StandardCharsets.UTF_8)));
            byte[] data = FrameCodec.encodeRaw(FrameType.COMMAND_DATA.code(), FrameFlags.DATA_CONTINUATION, new byte[32_768]);
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                long written = 0;
                try {
                    for (int i = 0; i < 20_000; i++) { // 640 MiB at most: far beyond every buffer on the way
                        out.write(data);
                        written += data.length;
                    }
                } catch (IOException e) {
                    // the server closed the connection: what the test waits for
                }
                return written;
            }, r -> Thread.ofVirtual().start(r));
            long written = writer.get(END_WITHIN.toSeconds(), TimeUnit.SECONDS);
            assertTrue(written < 20_000L * data.length, "the server read everything: no back-pressure");
            System.out.printf("never-ending command: %d KiB written before the close%n", written >> 10);
            assertHeapBounded();
        }
    }
}
