package dev.weft.http2.core;

/**
 * HTTP/2 error codes (RFC 9113 §7), each with its wire value.
 *
 * <p>Threading: immutable.
 */
public enum ErrorCode {
    NO_ERROR(0x0),
    PROTOCOL_ERROR(0x1),
    INTERNAL_ERROR(0x2),
    FLOW_CONTROL_ERROR(0x3),
    SETTINGS_TIMEOUT(0x4),
    STREAM_CLOSED(0x5),
    FRAME_SIZE_ERROR(0x6),
    REFUSED_STREAM(0x7),
    CANCEL(0x8),
    COMPRESSION_ERROR(0x9),
    CONNECT_ERROR(0xa),
    ENHANCE_YOUR_CALM(0xb),
    INADEQUATE_SECURITY(0xc),
    HTTP_1_1_REQUIRED(0xd);

    private static final ErrorCode[] BY_CODE = values();

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** @return the 32-bit value on the wire */
    public int code() {
        return code;
    }

    /**
     * @param code a wire value
     * @return its name, or {@code null} for a code this implementation does not know (RFC 9113
     *     §7: unknown codes carry no special meaning and must not trigger anything)
     */
    public static ErrorCode of(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /** @return the name of a wire value, or its hex for an unknown one */
    public static String describe(long code) {
        ErrorCode known = of(code);
        return known != null ? known.name() : "0x" + Long.toHexString(code);
    }
}
