package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property test: whatever the writer encodes, the reader decodes to an equal frame, across each
 * field's range and any split of the bytes into reads (STYLE.md: the decoder and encoder that
 * nobody round-trips disagree at 64 KiB).
 */
@Timeout(30)
class FrameRoundTripTest {
    private static final int MAX_FRAME = FrameReader.MAX_MAX_FRAME_SIZE;

    @Test
    void everyFrameTypeRoundTripsThroughAnySplit() throws Http2Exception {
        Random random = new Random(20_261_121);
        for (int round = 0; round < 300; round++) {
            List<Frame> frames = new ArrayList<>();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < 20; i++) {
                Frame frame = randomFrame(random);
                frames.add(frame);
                ByteBuffer encoded = FrameWriter.encodeToBuffer(frame);
                byte[] array = new byte[encoded.remaining()];
                encoded.get(array);
                bytes.writeBytes(array);
            }
            byte[] all = bytes.toByteArray();
            FrameReader reader = new FrameReader(MAX_FRAME);
            List<Frame> decoded = new ArrayList<>();
            int position = 0;
            while (position < all.length) {
                int chunk = Math.min(all.length - position, 1 + random.nextInt(random.nextBoolean() ? 16 : 70_000));
                ByteBuffer in = ByteBuffer.wrap(all, position, chunk);
                Frame frame;
                while ((frame = reader.next(in)) != null) {
                    decoded.add(frame);
                }
                position += chunk;
            }
            assertEquals(frames, decoded, "round " + round);
            assertNull(reader.next(ByteBuffer.allocate(0)));
        }
    }

    @Test
    void lengthsAcrossTheWholeRangeRoundTrip() throws Http2Exception {
        // Every power of two and its neighbours up to 2^24-1, where a packing bug would show.
        for (int bit = 0; bit < 24; bit++) {
            for (int delta = -1; delta <= 1; delta++) {
                int length = (1 << bit) + delta;
                if (length < 0 || length > MAX_FRAME) {
                    continue;
                }
                Frame frame = Frame.Data.of(1, ByteBuffer.allocate(length), false);
                Frame decoded = new FrameReader(MAX_FRAME).next(FrameWriter.encodeToBuffer(frame));
                assertEquals(frame, decoded, "length " + length);
            }
        }
    }

    private static Frame randomFrame(Random random) {
        int stream = 1 + random.nextInt(Frame.MAX_31_BIT);
        return switch (random.nextInt(11)) {
            case 0 -> new Frame.Data(stream, bytes(random, random.nextInt(3000)), random.nextBoolean(), padding(random));
            case 1 -> new Frame.Headers(stream, bytes(random, random.nextInt(3000)), random.nextBoolean(),
                    random.nextBoolean(), random.nextBoolean() ? priority(random) : null, padding(random));
            case 2 -> new Frame.Priority(stream, priority(random));
            case 3 -> new Frame.RstStream(stream, random.nextLong(0x1_0000_0000L));
            case 4 -> {
                boolean ack = random.nextBoolean();
                List<Frame.Setting> settings = new ArrayList<>();
                for (int i = ack ? 0 : random.nextInt(8); i > 0; i--) {
                    settings.add(randomSetting(random));
                }
                yield new Frame.Settings(ack, settings);
            }
            case 5 -> new Frame.PushPromise(stream, random.nextInt(Frame.MAX_31_BIT), bytes(random, random.nextInt(500)),
                    random.nextBoolean(), padding(random));
            case 6 -> new Frame.Ping(random.nextBoolean(), random.nextLong());
            case 7 -> new Frame.GoAway(random.nextInt(Frame.MAX_31_BIT), random.nextLong(0x1_0000_0000L),
                    bytes(random, random.nextInt(100)));
            case 8 -> new Frame.WindowUpdate(random.nextBoolean() ? 0 : stream, random.nextInt(Frame.MAX_31_BIT));
            case 9 -> new Frame.Continuation(stream, bytes(random, random.nextInt(3000)), random.nextBoolean());
            default -> new Frame.Unknown(10 + random.nextInt(246), random.nextInt(256), random.nextInt(Frame.MAX_31_BIT),
                    random.nextInt(100));
        };
    }

    private static Frame.Setting randomSetting(Random random) {
        int id = random.nextInt(10);
        long value = switch (id) {
            case 2 -> random.nextInt(2);
            case 4 -> random.nextInt(Frame.MAX_31_BIT);
            case 5 -> FrameReader.MIN_MAX_FRAME_SIZE + random.nextInt(FrameReader.MAX_MAX_FRAME_SIZE - FrameReader.MIN_MAX_FRAME_SIZE);
            default -> random.nextLong(0x1_0000_0000L);
        };
        return new Frame.Setting(id, value);
    }

    private static int padding(Random random) {
        return random.nextBoolean() ? 0 : 1 + random.nextInt(256);
    }

    private static Frame.PriorityInfo priority(Random random) {
        return new Frame.PriorityInfo(random.nextInt(Frame.MAX_31_BIT), random.nextBoolean(), 1 + random.nextInt(256));
    }

    private static ByteBuffer bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }
}
