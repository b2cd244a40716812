package dev.weft.http1.core;

/**
 * Bounds the decoder enforces on every peer; going over one fails the request with the status
 * named here and the connection closes.
 *
 * @param maxRequestLine bytes of the request line (method, target, version); over it: 414
 * @param maxHeaderSection bytes of the whole head (request line and fields), and separately of
 *     a chunked body's trailer section; over it: 431
 * @param maxChunkLine bytes of one chunk-size line with its extensions; over it: 400
 */
public record Http1Limits(int maxRequestLine, int maxHeaderSection, int maxChunkLine) {
    /** 8 KiB: RFC 9112 §3 recommends supporting at least 8000 octets of request line. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    /** 16 KiB, the same as h2's SETTINGS_MAX_HEADER_LIST_SIZE and the body policy's default maxHeader. */
    public static final int DEFAULT_MAX_HEADER_SECTION = 16 * 1024;
    /** 1 KiB: a chunk size is at most 16 hex digits; extensions are rare and short. */
    public static final int DEFAULT_MAX_CHUNK_LINE = 1024;

    /** @throws IllegalArgumentException for bounds that cannot work */
    public Http1Limits {
        if (maxRequestLine < 16 || maxHeaderSection < 16 || maxChunkLine < 16) {
            throw new IllegalArgumentException("HTTP/1.1 limits must be >= 16 bytes");
        }
    }

    /** @return the defaults */
    public static Http1Limits defaults() {
        return new Http1Limits(DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_HEADER_SECTION, DEFAULT_MAX_CHUNK_LINE);
    }

    /**
     * @param maxHeader the body policy's {@code maxHeader} ({@code --max-header}), which bounds a
     *     request's head here as it bounds a form part's headers there
     * @return the defaults with that head bound (the request line bound never exceeds it)
     */
    public static Http1Limits forMaxHeader(int maxHeader) {
        int section = Math.max(16, maxHeader);
        return new Http1Limits(Math.min(DEFAULT_MAX_REQUEST_LINE, section), section, DEFAULT_MAX_CHUNK_LINE);
    }
}
