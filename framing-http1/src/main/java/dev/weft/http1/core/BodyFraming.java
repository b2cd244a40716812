package dev.weft.http1.core;

/** How a request's body is delimited (RFC 9112 §6.3). */
public enum BodyFraming {
    /** No body: neither Content-Length nor Transfer-Encoding (or Content-Length: 0). */
    NONE,
    /** Exactly {@code Content-Length} octets. */
    LENGTH,
    /** Transfer-Encoding: chunked, possibly with trailers. */
    CHUNKED
}
