package dev.weft.wireproto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One frame: type, 4 bits of flags, payload. Immutable: the payload array is owned by the frame
 * and must not be changed after construction.
 *
 * @param type the frame type
 * @param flags the flag bits, 0..15 (bits the type does not define are kept, so that the
 *     reactor can refuse them)
 * @param payload the payload, at most {@link FrameCodec#MAX_ENCODABLE_LENGTH} bytes
 */
public record Frame(FrameType type, int flags, byte[] payload) {

    /** @throws IllegalArgumentException for flags outside 0..15 or a payload the 24-bit length cannot carry */
    public Frame {
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(payload, "payload is null");
        if (flags < 0 || flags > 15) {
            throw new IllegalArgumentException("frame flags must be 0..15: " + flags);
        }
        if (payload.length > FrameCodec.MAX_ENCODABLE_LENGTH) {
            throw new IllegalArgumentException("frame payload over the 24-bit length: " + payload.length);
        }
    }

    /** @return a frame whose payload is {@code text} in UTF-8 */
    public static Frame of(FrameType type, int flags, String text) {
        return new Frame(type, flags, text.getBytes(StandardCharsets.UTF_8));
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
        return other instanceof Frame frame && frame.type == type && frame.flags == flags
                && Arrays.equals(frame.payload, payload);
    }

    @Override
    public int hashCode() {
        return (type.hashCode() * 31 + flags) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        String shown = payload.length <= 64 ? HexFormat.of().formatHex(payload)
                : HexFormat.of().formatHex(payload, 0, 64) + "...";
        return type.wireName() + " " + FrameFlags.describe(type, flags) + " [" + payload.length + " bytes " + shown + "]";
    }
}
