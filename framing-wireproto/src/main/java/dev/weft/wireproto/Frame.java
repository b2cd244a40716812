package dev.weft.wireproto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One frame: request id, type, 4 bits of flags, payload. Immutable: the payload array is owned
 * by the frame and must not be changed after construction.
 *
 * @param requestId the request it belongs to, 0..65535 (revision {@code 0002}); always 0 in
 *     revision {@code 0001}, which has none
 * @param type the frame type
 * @param flags the flag bits, 0..15 (bits the type does not define are kept, so that the
 *     reactor can refuse them)
 * @param payload the payload, at most {@link FrameCodec#MAX_ENCODABLE_LENGTH} bytes
 */
public record Frame(int requestId, FrameType type, int flags, byte[] payload) {

    /** @throws IllegalArgumentException for flags outside 0..15, a request id outside 16 bits, or a payload the 24-bit length cannot carry */
    public Frame {
        if (requestId < 0 || requestId > FramingRevision.MAX_REQUEST_ID) {
            throw new IllegalArgumentException("request id must be 0..65535: " + requestId);
        }
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(payload, "payload is null");
        if (flags < 0 || flags > 15) {
            throw new IllegalArgumentException("frame flags must be 0..15: " + flags);
        }
        if (payload.length > FrameCodec.MAX_ENCODABLE_LENGTH) {
            throw new IllegalArgumentException("frame payload over the 24-bit length: " + payload.length);
        }
    }

    /** A frame of request 0 (revision {@code 0001} frames have no other). */
    public Frame(FrameType type, int flags, byte[] payload) {
        this(0, type, flags, payload);
    }

    /** @return a frame whose payload is {@code text} in UTF-8 */
    public static Frame of(FrameType type, int flags, String text) {
        return new Frame(type, flags, text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return this frame with another request id (the payload is shared, not copied) */
    public Frame withRequestId(int id) {
        return new Frame(id, type, flags, payload);
    }

    /** @return whether every bit of {@code flag} is set */
    public boolean has(int flag) {
        return (flags & flag) == flag;
    }

    /** @return the payload decoded as UTF-8 (malformed bytes replaced) */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Frame frame && frame.requestId == requestId && frame.type == type && frame.flags == flags
                && Arrays.equals(frame.payload, payload);
    }

    @Override
    public int hashCode() {
        return ((requestId * 31 + type.hashCode()) * 31 + flags) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        String shown = payload.length <= 64 ? HexFormat.of().formatHex(payload)
                : HexFormat.of().formatHex(payload, 0, 64) + "...";
        return (requestId == 0 ? "" : "request " + requestId + " ") + type.wireName() + " " + FrameFlags.describe(type, flags) + " [" + payload.length + " bytes " + shown + "]";
    }
}
