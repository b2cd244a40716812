package dev.weft.http2.core;

/**
 * The settings of RFC 9113 §6.5.2 with their wire identifiers. Unknown identifiers are ignored
 * (§6.5.2: "An endpoint that receives a SETTINGS frame with any unknown or unsupported
 * identifier MUST ignore that setting").
 *
 * <p>Threading: immutable.
 */
public enum SettingId {
    HEADER_TABLE_SIZE(0x1),
    ENABLE_PUSH(0x2),
    MAX_CONCURRENT_STREAMS(0x3),
    INITIAL_WINDOW_SIZE(0x4),
    MAX_FRAME_SIZE(0x5),
    MAX_HEADER_LIST_SIZE(0x6);

    private final int code;

    SettingId(int code) {
        this.code = code;
    }

    /** @return the 16-bit identifier on the wire */
    public int code() {
        return code;
    }

    /** @return the setting for a wire identifier, or {@code null} if unknown */
    public static SettingId of(int code) {
        for (SettingId id : values()) {
            if (id.code == code) {
                return id;
            }
        }
        return null;
    }
}
