package dev.weft.http2.core;

/**
 * The ten frame types of RFC 9113 §6 with their wire facts: type code, the fixed payload length
 * where the RFC fixes one, and whether the frame belongs to a stream or to the connection.
 *
 * <p>Threading: immutable.
 */
public enum FrameType {
    DATA(0x0, -1, StreamScope.STREAM),
    HEADERS(0x1, -1, StreamScope.STREAM),
    PRIORITY(0x2, 5, StreamScope.STREAM),
    RST_STREAM(0x3, 4, StreamScope.STREAM),
    SETTINGS(0x4, -1, StreamScope.CONNECTION),
    PUSH_PROMISE(0x5, -1, StreamScope.STREAM),
    PING(0x6, 8, StreamScope.CONNECTION),
    GOAWAY(0x7, -1, StreamScope.CONNECTION),
    WINDOW_UPDATE(0x8, 4, StreamScope.EITHER),
    CONTINUATION(0x9, -1, StreamScope.STREAM);

    /** Flag bit END_STREAM (DATA, HEADERS). */
    public static final int FLAG_END_STREAM = 0x1;
    /** Flag bit ACK (SETTINGS, PING). */
    public static final int FLAG_ACK = 0x1;
    /** Flag bit END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION). */
    public static final int FLAG_END_HEADERS = 0x4;
    /** Flag bit PADDED (DATA, HEADERS, PUSH_PROMISE). */
    public static final int FLAG_PADDED = 0x8;
    /** Flag bit PRIORITY (HEADERS). */
    public static final int FLAG_PRIORITY = 0x20;

    private static final FrameType[] BY_CODE = values();

    private final int code;
    private final int fixedLength;
    private final StreamScope scope;

    FrameType(int code, int fixedLength, StreamScope scope) {
        this.code = code;
        this.fixedLength = fixedLength;
        this.scope = scope;
    }

    /** @return the type octet on the wire */
    public int code() {
        return code;
    }

    /** @return the payload length the RFC fixes, or -1 where it varies */
    public int fixedLength() {
        return fixedLength;
    }

    /** @return which stream identifiers the frame may carry */
    public StreamScope scope() {
        return scope;
    }

    /** @return the type for a wire code, or {@code null} for an extension type (to be ignored) */
    public static FrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Which stream identifiers a frame type may carry (RFC 9113 §6, "stream identifier" rules). */
    public enum StreamScope {
        /** Stream id must not be 0. */
        STREAM,
        /** Stream id must be 0. */
        CONNECTION,
        /** Either (WINDOW_UPDATE). */
        EITHER
    }
}
