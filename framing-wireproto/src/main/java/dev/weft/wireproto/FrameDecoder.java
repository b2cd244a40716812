package dev.weft.wireproto;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Incremental frame decoder: bytes in any split go in, whole frames come out. A header is
 * checked as soon as its bytes (4, or 6 in revision {@code 0002}) are in, so a frame claiming a huge length is refused
 * before anything is allocated for it; the largest buffer held is one frame of the configured
 * maximum.
 *
 * <p>Threading: not thread-safe; owned by whoever feeds it (the connection's loop, or the
 * reading thread of a stream carrier).
 */
public final class FrameDecoder {
    private final FramingRevision revision;
    private final int maxFrameLength;
    private final byte[] header;
    private int headerFilled;
    /** The frame being read once its header is in; {@code null} between frames. */
    private FrameType pendingType;
    private int pendingRequestId;
    private int pendingFlags;
    private byte[] pendingPayload;
    private int payloadFilled;
    private boolean failed;

    /** A revision {@code 0001} decoder. @param maxFrameLength the largest payload accepted */
    public FrameDecoder(int maxFrameLength) {
        this(FramingRevision.EXP_0001, maxFrameLength);
    }

    /**
     * @param revision the header layout to read
     * @param maxFrameLength the largest payload accepted
     */
    public FrameDecoder(FramingRevision revision, int maxFrameLength) {
        this.revision = java.util.Objects.requireNonNull(revision, "revision is null");
        this.header = new byte[revision.headerLength()];
        if (maxFrameLength < 0 || maxFrameLength > FrameCodec.MAX_ENCODABLE_LENGTH) {
            throw new IllegalArgumentException("maxFrameLength must be 0..16777215: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    /**
     * Consumes all of {@code input}, handing each completed frame to {@code sink} in order.
     *
     * @throws WireprotoException for an unknown type or a length over the limit; the decoder is
     *     then failed and refuses further input
     */
    public void decode(ByteBuffer input, Consumer<Frame> sink) throws WireprotoException {
        if (failed) {
            throw new WireprotoException("frame decoder already failed");
        }
        while (input.hasRemaining()) {
            if (pendingType == null) {
                int take = Math.min(header.length - headerFilled, input.remaining());
                input.get(header, headerFilled, take);
                headerFilled += take;
                if (headerFilled < header.length) {
                    return;
                }
                startFrame();
            }
            int take = Math.min(pendingPayload.length - payloadFilled, input.remaining());
            input.get(pendingPayload, payloadFilled, take);
            payloadFilled += take;
            if (payloadFilled == pendingPayload.length) {
                Frame frame = new Frame(pendingRequestId, pendingType, pendingFlags, pendingPayload);
                pendingType = null;
                pendingPayload = null;
                headerFilled = 0;
                sink.accept(frame);
            }
        }
    }

    /** @return whether the input so far ended exactly at a frame boundary */
    public boolean atFrameBoundary() {
        return headerFilled == 0 && pendingType == null;
    }

    /**
     * Declares end of input.
     *
     * @throws WireprotoException if it ended inside a frame
     */
    public void finish() throws WireprotoException {
        if (failed || atFrameBoundary()) {
            return;
        }
        failed = true;
        if (pendingType == null) {
            throw new WireprotoException("input ended inside a frame header (" + headerFilled + " of " + header.length
                    + " bytes)");
        }
        throw new WireprotoException("input ended inside a " + pendingType.wireName() + " frame (" + payloadFilled
                + " of " + pendingPayload.length + " payload bytes)");
    }

    private void startFrame() throws WireprotoException {
        int length = FrameCodec.headerLength(header[0], header[1], header[2]);
        int typeAndFlags = header[header.length - 1] & 0xff;
        int typeCode = typeAndFlags >>> 4;
        if (length > maxFrameLength) {
            failed = true;
            throw new WireprotoException("frame length " + length + " over the limit of " + maxFrameLength);
        }
        FrameType type = FrameType.fromCode(typeCode).orElse(null);
        if (type == null) {
            failed = true;
            throw new WireprotoException("unknown frame type " + typeCode);
        }
        pendingType = type;
        pendingRequestId = revision.hasRequestIds() ? (header[3] & 0xff) | (header[4] & 0xff) << 8 : 0;
        pendingFlags = typeAndFlags & 0x0f;
        pendingPayload = new byte[length];
        payloadFilled = 0;
    }
}
