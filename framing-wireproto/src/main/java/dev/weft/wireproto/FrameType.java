package dev.weft.wireproto;

import java.util.Optional;

/**
 * The frame types of the unified frame protocol, with their wire codes and the flags each
 * defines (Mercurial's {@code wireprotoframing}, revision {@code exp-framing-0001}). The wire
 * code is the only numbering: nothing here renumbers it.
 */
public enum FrameType {
    /** Starts a command: the payload is its name. */
    COMMAND_NAME(0x1, "command-name", FrameFlags.COMMAND_NAME_EOS | FrameFlags.COMMAND_NAME_HAVE_ARGS
            | FrameFlags.COMMAND_NAME_HAVE_DATA),
    /** One argument: {@code <u16 name length><u16 value length> name value}, LE. */
    COMMAND_ARGUMENT(0x2, "command-argument", FrameFlags.ARGUMENT_CONTINUATION | FrameFlags.ARGUMENT_EOA),
    /** A chunk of the command's data. */
    COMMAND_DATA(0x3, "command-data", FrameFlags.DATA_CONTINUATION | FrameFlags.DATA_EOS),
    /** A chunk of a successful response. */
    BYTES_RESPONSE(0x4, "bytes-response", FrameFlags.BYTES_CONTINUATION | FrameFlags.BYTES_EOS),
    /** A failed command (application flag) or a broken stream (protocol flag); the payload is the message. */
    ERROR_RESPONSE(0x5, "error-response", FrameFlags.ERROR_PROTOCOL | FrameFlags.ERROR_APPLICATION);

    private static final FrameType[] BY_CODE = new FrameType[16];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final String wireName;
    private final int definedFlags;

    FrameType(int code, String wireName, int definedFlags) {
        this.code = code;
        this.wireName = wireName;
        this.definedFlags = definedFlags;
    }

    /** @return the 4-bit code on the wire */
    public int code() {
        return code;
    }

    /** @return the protocol's name for it, e.g. {@code command-name} */
    public String wireName() {
        return wireName;
    }

    /** @return the bit mask of the flags this type defines */
    public int definedFlags() {
        return definedFlags;
    }

    /** @return the type with this wire code, if any */
    public static Optional<FrameType> fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? Optional.ofNullable(BY_CODE[code]) : Optional.empty();
    }

    /** @return the type with this protocol name ({@code bytes-response}), if any */
    public static Optional<FrameType> fromWireName(String name) {
        for (FrameType type : values()) {
            if (type.wireName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
