package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameCodecTest {

    private static byte[] encode(Frame frame) {
        ByteBuffer buffer = FrameCodec.encode(frame);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static String headerHex(Frame frame) {
        return HexFormat.of().formatHex(encode(frame), 0, 4);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "command-name, eos, 01",
            "command-name, have-args, 01",
            "command-name, have-data, 01",
            "command-name, have-args|have-data, 01",
            "command-argument, 0, 02",
            "command-argument, continuation, 02",
            "command-argument, eoa, 02",
            "command-data, continuation, 03",
            "command-data, eos, 03",
            "bytes-response, continuation, 04",
            "bytes-response, eos, 04",
            "error-response, protocol, 05",
            "error-response, application, 05",
    })
    void encodesTypeInHighNibbleAndFlagsInLow(String type, String flags, String typeHex) {
        Frame frame = TestFrames.frame(type + " " + flags + " abc");
        byte expectedTypeFlags = (byte) (Integer.parseInt(typeHex, 16) << 4 | frame.flags());
        assertArrayEquals(new byte[] {3, 0, 0, expectedTypeFlags, 'a', 'b', 'c'}, encode(frame));
        assertEquals(frame, decodeOne(encode(frame)));
    }

    @Test
    void exactBytesOfSmallFrames() {
        assertEquals("04000011" + "6563686f", HexFormat.of().formatHex(encode(TestFrames.frame("command-name eos echo"))));
        assertEquals("00000042", HexFormat.of().formatHex(encode(TestFrames.frame("bytes-response eos "))));
        assertEquals("02000051" + "6f6b", HexFormat.of().formatHex(encode(TestFrames.frame("error-response protocol ok"))));
        assertEquals("06000022" + "01000100" + "6162", HexFormat.of().formatHex(
                encode(TestFrames.frame("command-argument eoa \\x01\\x00\\x01\\x00ab"))));
    }

    @ParameterizedTest(name = "length {0} -> {1}")
    @CsvSource({
            "0, 000000",
            "1, 010000",
            "255, ff0000",
            "256, 000100",
            "16384, 004000",
            "65535, ffff00",
            "65536, 000001",
            "70000, 701101",
            "16777215, ffffff",
    })
    void lengthIsTwentyFourBitLittleEndian(int length, String lengthHex) throws WireprotoException {
        Frame frame = new Frame(FrameType.BYTES_RESPONSE, FrameFlags.BYTES_EOS, filled(length));
        assertEquals(lengthHex + "42", headerHex(frame));
        if (length <= 70000) {
            assertEquals(frame, decodeOne(encode(frame)));
        }
    }

    @Test
    void headerLengthRoundTripsOverEveryTwentyFourBitValue() {
        // The reference decoder weighted the third byte by 16384 instead of 65536; every length
        // is checked here so no such slip survives.
        ByteBuffer header = ByteBuffer.allocate(4);
        for (int length = 0; length <= FrameCodec.MAX_ENCODABLE_LENGTH; length++) {
            header.clear();
            header.put((byte) length).put((byte) (length >>> 8)).put((byte) (length >>> 16));
            int decoded = FrameCodec.headerLength(header.get(0), header.get(1), header.get(2));
            if (decoded != length) {
                assertEquals(length, decoded);
            }
        }
    }

    @Test
    void framesRoundTripAtEveryLengthUpTo70000InRandomSplits() throws WireprotoException {
        Random random = new Random(4);
        FrameDecoder decoder = new FrameDecoder(70000);
        List<Frame> decoded = new ArrayList<>();
        for (int length = 0; length <= 70000; length += length < 1100 ? 1 : 97) {
            Frame frame = new Frame(FrameType.COMMAND_DATA, length % 4, randomBytes(random, length));
            byte[] wire = encode(frame);
            int offset = 0;
            while (offset < wire.length) {
                int chunk = 1 + random.nextInt(Math.min(wire.length - offset, 1 + random.nextInt(9000)));
                decoder.decode(ByteBuffer.wrap(wire, offset, chunk), decoded::add);
                offset += chunk;
            }
            assertEquals(1, decoded.size(), "length " + length);
            assertEquals(frame, decoded.removeFirst());
            assertTrue(decoder.atFrameBoundary());
        }
    }

    @Test
    void severalFramesInOneReadComeOutInOrder() throws WireprotoException {
        byte[] wire = TestFrames.wire("command-name have-args cmd", "command-argument eoa \\x01\\x00\\x01\\x00ab",
                "bytes-response eos ", "error-response application boom");
        List<Frame> frames = TestFrames.decodeAll(wire);
        assertEquals(4, frames.size());
        assertEquals(TestFrames.frame("error-response application boom"), frames.get(3));
        assertArrayEquals(new byte[] {1, 0, 1, 0, 'a', 'b'}, frames.get(1).payload());
    }

    @Test
    void refusesLengthsOverTheLimitAsSoonAsTheHeaderIsIn() {
        FrameDecoder decoder = new FrameDecoder(WireprotoLimits.DEFAULT_MAX_RECEIVE_FRAME_LENGTH);
        // 65536 bytes claimed, no payload sent: refused from the header alone.
        WireprotoException over = assertThrows(WireprotoException.class,
                () -> decoder.decode(ByteBuffer.wrap(new byte[] {0, 0, 1, 0x34}), frame -> { }));
        assertTrue(over.getMessage().contains("65536"), over.getMessage());
        assertThrows(WireprotoException.class, () -> decoder.decode(ByteBuffer.wrap(new byte[1]), frame -> { }));
    }

    @Test
    void refusesASixteenMebibyteClaimWithoutAllocatingIt() {
        FrameDecoder decoder = new FrameDecoder(WireprotoLimits.DEFAULT_MAX_RECEIVE_FRAME_LENGTH);
        WireprotoException huge = assertThrows(WireprotoException.class,
                () -> decoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x11}), frame -> { }));
        assertTrue(huge.getMessage().contains("16777215"), huge.getMessage());
    }

    @Test
    void acceptsExactlyTheLimit() throws WireprotoException {
        FrameDecoder decoder = new FrameDecoder(65535);
        List<Frame> frames = new ArrayList<>();
        decoder.decode(FrameCodec.encode(new Frame(FrameType.COMMAND_DATA, 2, filled(65535))), frames::add);
        assertEquals(65535, frames.getFirst().payload().length);
    }

    @Test
    void refusesUnknownFrameTypes() {
        for (int type : new int[] {0, 6, 7, 15}) {
            FrameDecoder decoder = new FrameDecoder(65535);
            byte[] wire = FrameCodec.encodeRaw(type, 0, new byte[0]);
            WireprotoException error = assertThrows(WireprotoException.class,
                    () -> decoder.decode(ByteBuffer.wrap(wire), frame -> { }));
            assertTrue(error.getMessage().contains("unknown frame type " + type), error.getMessage());
        }
    }

    @Test
    void endInsideAFrameIsAnErrorAndAtABoundaryIsClean() throws WireprotoException {
        byte[] wire = TestFrames.wire("command-name eos abc");
        for (int cut = 0; cut <= wire.length; cut++) {
            FrameDecoder decoder = new FrameDecoder(65535);
            decoder.decode(ByteBuffer.wrap(wire, 0, cut), frame -> { });
            if (cut == 0 || cut == wire.length) {
                decoder.finish();
            } else {
                assertThrows(WireprotoException.class, decoder::finish, "cut at " + cut);
            }
        }
    }

    @Test
    void encoderRefusesBadTypeFlagsAndOversize() {
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encodeRaw(16, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encodeRaw(-1, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encodeRaw(1, 16, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(FrameType.COMMAND_NAME, 16, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(FrameType.COMMAND_NAME, -1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(FrameType.COMMAND_DATA, 0, new byte[1 << 24]));
        Frame big = new Frame(FrameType.BYTES_RESPONSE, 2, new byte[32769]);
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(big, WireprotoLimits.DEFAULT_SEND_FRAME_LENGTH));
        assertEquals(32772, FrameCodec.encode(new Frame(FrameType.BYTES_RESPONSE, 2, new byte[32768]), 32768).remaining());
    }

    private static Frame decodeOne(byte[] wire) {
        try {
            List<Frame> frames = TestFrames.decodeAll(wire);
            assertEquals(1, frames.size());
            return frames.getFirst();
        } catch (WireprotoException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] filled(int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
