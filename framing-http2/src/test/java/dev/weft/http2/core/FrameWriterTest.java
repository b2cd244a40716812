package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The writer's exact bytes for each frame shape (RFC 9113 §4.1, §6), and its no-copy promise. */
class FrameWriterTest {
    private static byte[] bytes(Frame frame) {
        ByteBuffer all = FrameWriter.encodeToBuffer(frame);
        byte[] out = new byte[all.remaining()];
        all.get(out);
        return out;
    }

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replace(" ", ""));
    }

    @Test
    void dataWithPaddingAndEndStream() {
        Frame frame = new Frame.Data(3, ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)), true, 3);
        assertArrayEquals(hex("000005 00 09 00000003 02 6869 0000"), bytes(frame));
    }

    @Test
    void headersWithPriorityAndEndHeaders() {
        Frame frame = new Frame.Headers(5, ByteBuffer.wrap(new byte[] {(byte) 0x82}), false, true,
                new Frame.PriorityInfo(3, true, 256), 0);
        assertArrayEquals(hex("000006 01 24 00000005 80000003 ff 82"), bytes(frame));
    }

    @Test
    void settingsGoAwayWindowUpdateRstAndPing() {
        assertArrayEquals(hex("000006 04 00 00000000 0003 00000064"),
                bytes(new Frame.Settings(false, List.of(new Frame.Setting(3, 100)))));
        assertArrayEquals(hex("000000 04 01 00000000"), bytes(new Frame.Settings(true, List.of())));
        assertArrayEquals(hex("00000a 07 00 00000000 00000007 0000000b 6869"),
                bytes(new Frame.GoAway(7, ErrorCode.ENHANCE_YOUR_CALM.code(), ByteBuffer.wrap(new byte[] {'h', 'i'}))));
        assertArrayEquals(hex("000004 08 00 00000001 7fffffff"), bytes(new Frame.WindowUpdate(1, Frame.MAX_31_BIT)));
        assertArrayEquals(hex("000004 03 00 00000001 00000008"), bytes(new Frame.RstStream(1, 8)));
        assertArrayEquals(hex("000008 06 01 00000000 0000000000000001"), bytes(new Frame.Ping(true, 1)));
    }

    @Test
    void dataPayloadIsHandedOnNotCopied() {
        byte[] payload = new byte[1000];
        ByteBuffer[] parts = FrameWriter.encode(Frame.Data.of(1, ByteBuffer.wrap(payload), false));
        assertEquals(2, parts.length);
        assertEquals(9, parts[0].remaining());
        assertSame(payload, parts[1].array(), "the payload buffer shares the caller's bytes");
    }
}
