package dev.weft.wireproto;

import java.nio.ByteBuffer;

/**
 * The frame header and the encoder. A frame on the wire is a 3-byte payload length (24-bit
 * little-endian: byte 0 counts 1, byte 1 counts 256, byte 2 counts 65536), in revision
 * {@code 0002} a 2-byte little-endian request id, then one byte with the type in the high nibble
 * and the flags in the low nibble, then the payload. Methods without a {@link FramingRevision}
 * write revision {@code 0001}.
 */
public final class FrameCodec {
    /** Bytes in a revision {@code 0001} frame header (see {@link FramingRevision#headerLength()}). */
    public static final int HEADER_LENGTH = 4;
    /** The largest length the 24-bit field can carry. */
    public static final int MAX_ENCODABLE_LENGTH = 0xFF_FFFF;

    private FrameCodec() {
    }

    /**
     * Encodes a frame, refusing a payload over {@code maxPayload} rather than corrupting the
     * stream.
     *
     * @return a buffer holding header and payload, ready to read
     * @throws IllegalArgumentException if the payload is over {@code maxPayload}
     */
    public static ByteBuffer encode(Frame frame, int maxPayload) {
        return encode(FramingRevision.EXP_0001, frame, maxPayload);
    }

    /**
     * Encodes a frame in {@code revision}.
     *
     * @return a buffer holding header and payload, ready to read
     * @throws IllegalArgumentException if the payload is over {@code maxPayload}, or the frame
     *     has a request id the revision cannot carry
     */
    public static ByteBuffer encode(FramingRevision revision, Frame frame, int maxPayload) {
        int length = frame.payload().length;
        if (length > maxPayload) {
            throw new IllegalArgumentException("frame payload " + length + " over the frame size " + maxPayload);
        }
        ByteBuffer out = ByteBuffer.allocate(revision.headerLength() + length);
        writeHeader(out, revision, frame);
        out.put(frame.payload());
        return out.flip();
    }

    /** @return {@link #encode(FramingRevision, Frame, int)} with the 24-bit limit only */
    public static ByteBuffer encode(FramingRevision revision, Frame frame) {
        return encode(revision, frame, MAX_ENCODABLE_LENGTH);
    }

    /**
     * Encodes only the header in {@code revision}, for a gathering write of header and payload
     * without copying the payload.
     *
     * @return the header bytes, ready to read
     */
    public static ByteBuffer encodeHeader(FramingRevision revision, Frame frame) {
        ByteBuffer out = ByteBuffer.allocate(revision.headerLength());
        writeHeader(out, revision, frame);
        return out.flip();
    }

    /**
     * Encodes only the header, for a gathering write of header and payload without copying
     * the payload.
     *
     * @return the 4 header bytes, ready to read
     */
    public static ByteBuffer encodeHeader(Frame frame) {
        return encodeHeader(FramingRevision.EXP_0001, frame);
    }

    /** @return {@link #encode(Frame, int)} with the 24-bit limit only */
    public static ByteBuffer encode(Frame frame) {
        return encode(frame, MAX_ENCODABLE_LENGTH);
    }

    /**
     * Encodes any type code, known or not: for tests and attack tools that must write frames a
     * correct peer never would.
     *
     * @throws IllegalArgumentException for a type or flags outside 0..15, or a payload over 24 bits
     */
    public static byte[] encodeRaw(int typeCode, int flags, byte[] payload) {
        return encodeRaw(FramingRevision.EXP_0001, 0, typeCode, flags, payload);
    }

    /**
     * As {@link #encodeRaw(int, int, byte[])} in {@code revision}, with a request id (ignored by
     * revision {@code 0001}, which has none).
     *
     * @throws IllegalArgumentException for a type or flags outside 0..15, a request id outside
     *     16 bits, or a payload over 24 bits
     */
    public static byte[] encodeRaw(FramingRevision revision, int requestId, int typeCode, int flags, byte[] payload) {
        if (requestId < 0 || requestId > FramingRevision.MAX_REQUEST_ID) {
            throw new IllegalArgumentException("request id must be 0..65535: " + requestId);
        }
        if (typeCode < 0 || typeCode > 15) {
            throw new IllegalArgumentException("frame type must be 0..15: " + typeCode);
        }
        if (flags < 0 || flags > 15) {
            throw new IllegalArgumentException("frame flags must be 0..15: " + flags);
        }
        if (payload.length > MAX_ENCODABLE_LENGTH) {
            throw new IllegalArgumentException("frame payload over the 24-bit length: " + payload.length);
        }
        ByteBuffer out = ByteBuffer.allocate(revision.headerLength() + payload.length);
        writeHeader(out, revision, requestId, typeCode, flags, payload.length);
        return out.put(payload).array();
    }

    /** @return the payload length a header announces (24-bit little-endian) */
    static int headerLength(byte b0, byte b1, byte b2) {
        return (b0 & 0xff) | (b1 & 0xff) << 8 | (b2 & 0xff) << 16;
    }

    private static void writeHeader(ByteBuffer out, FramingRevision revision, Frame frame) {
        if (!revision.hasRequestIds() && frame.requestId() != 0) {
            throw new IllegalArgumentException("revision " + revision.number() + " has no request ids: " + frame);
        }
        writeHeader(out, revision, frame.requestId(), frame.type().code(), frame.flags(), frame.payload().length);
    }

    private static void writeHeader(ByteBuffer out, FramingRevision revision, int requestId, int typeCode, int flags,
                                    int length) {
        out.put((byte) length).put((byte) (length >>> 8)).put((byte) (length >>> 16));
        if (revision.hasRequestIds()) {
            out.put((byte) requestId).put((byte) (requestId >>> 8));
        }
        out.put((byte) (typeCode << 4 | flags));
    }
}
