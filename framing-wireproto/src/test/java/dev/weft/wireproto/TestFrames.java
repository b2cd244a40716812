package dev.weft.wireproto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Readable frame literals for tests, in the reference tests' style: {@code "command-name eos echo"}. */
final class TestFrames {
    private TestFrames() {
    }

    /**
     * @param text {@code <type> <flags> <payload>}: type by name or number, flags as names or
     *     numbers joined by {@code |}, payload as text where {@code \xNN} is a byte
     */
    static Frame frame(String text) {
        String[] parts = text.split(" ", 3);
        FrameType type = FrameType.fromWireName(parts[0])
                .orElseGet(() -> FrameType.fromCode(Integer.parseInt(parts[0])).orElseThrow());
        int flags = FrameFlags.parse(type, parts[1]);
        return new Frame(type, flags, unescape(parts.length > 2 ? parts[2] : ""));
    }

    /** @return the wire bytes of the frames, concatenated */
    static byte[] wire(String... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String text : frames) {
            ByteBuffer encoded = FrameCodec.encode(frame(text));
            out.write(encoded.array(), encoded.arrayOffset(), encoded.remaining());
        }
        return out.toByteArray();
    }

    /**
     * @param frames {@code <request id> <type> <flags> <payload>}, as {@link #frame} after the id
     * @return the revision {@code 0002} wire bytes of the frames, concatenated
     */
    static byte[] wire2(String... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String text : frames) {
            ByteBuffer encoded = FrameCodec.encode(FramingRevision.EXP_0002, frame2(text));
            out.write(encoded.array(), encoded.arrayOffset(), encoded.remaining());
        }
        return out.toByteArray();
    }

    /** @return a frame from {@code <request id> <type> <flags> <payload>} */
    static Frame frame2(String text) {
        String[] parts = text.split(" ", 2);
        return frame(parts[1]).withRequestId(Integer.parseInt(parts[0]));
    }

    /** @return an argument payload: u16 LE name length, u16 LE value length, name, value */
    static byte[] argument(String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + n.length + v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putShort((short) n.length).putShort((short) v.length).put(n).put(v).array();
    }

    /** @return every frame in {@code bytes}, decoded with a 16 MiB limit */
    static List<Frame> decodeAll(byte[] bytes) throws WireprotoException {
        return decodeAll(FramingRevision.EXP_0001, bytes);
    }

    /** @return every frame in {@code bytes} in {@code revision}, decoded with a 16 MiB limit */
    static List<Frame> decodeAll(FramingRevision revision, byte[] bytes) throws WireprotoException {
        List<Frame> frames = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(revision, FrameCodec.MAX_ENCODABLE_LENGTH);
        decoder.decode(ByteBuffer.wrap(bytes), frames::add);
        decoder.finish();
        return frames;
    }

    static byte[] unescape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 3 < text.length() && text.charAt(i + 1) == 'x') {
                out.write(Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toByteArray();
    }
}
