package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input never escapes the core: valid conversations with random bytes flipped, cut or
 * inserted, fed in random splits, must leave the connection either serving or failed with a
 * GOAWAY, never throwing. A short deterministic run; Jazzer-style longer runs are future work.
 */
@Timeout(60)
class ServerConnectionFuzzTest {
    @Test
    void mutatedConversationsNeverThrow() {
        Random random = new Random(8_675_309);
        for (int round = 0; round < 3000; round++) {
            byte[] conversation = mutate(random, conversation(random));
            ScriptedPeer peer = new ScriptedPeer();
            assertDoesNotThrow(() -> {
                int position = 0;
                while (position < conversation.length) {
                    int chunk = Math.min(conversation.length - position, 1 + random.nextInt(64));
                    peer.server.receive(ByteBuffer.wrap(conversation, position, chunk));
                    peer.server.pollEvents();
                    position += chunk;
                }
                peer.frames(); // whatever it wrote parses as frames
                if (!peer.server.isFailed()) {
                    peer.server.goAway(ErrorCode.NO_ERROR, "done");
                }
            }, "round " + round);
            assertTrue(peer.server.activeStreams() <= 128);
        }
    }

    private static byte[] conversation(Random random) {
        ScriptedPeer writer = new ScriptedPeer();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ServerConnection.PREFACE);
        write(out, new Frame.Settings(false, List.of(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 1000))));
        for (int stream = 1; stream < 2 + random.nextInt(12); stream += 2) {
            write(out, writer.headers(stream, random.nextBoolean(), ScriptedPeer.post("/x", "x-n", "v" + stream)));
            write(out, ScriptedPeer.data(stream, "payload", random.nextBoolean()));
            if (random.nextBoolean()) {
                write(out, new Frame.WindowUpdate(stream, 1 + random.nextInt(1000)));
            }
            if (random.nextInt(4) == 0) {
                write(out, new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
            }
            write(out, new Frame.Ping(false, stream));
        }
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, Frame frame) {
        ByteBuffer bytes = FrameWriter.encodeToBuffer(frame);
        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    }

    private static byte[] mutate(Random random, byte[] input) {
        byte[] bytes = input.clone();
        int mutations = random.nextInt(4);
        int start = ServerConnection.PREFACE.length; // mostly keep the preface so frames get parsed
        for (int i = 0; i < mutations; i++) {
            int at = start + random.nextInt(bytes.length - start);
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] = (byte) random.nextInt(256);
                case 1 -> bytes = java.util.Arrays.copyOf(bytes, at);
                default -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                }
            }
            if (bytes.length <= start) {
                break;
            }
        }
        return bytes;
    }
}
