package dev.weft.body;

/** Where a form value came from; lookups can be restricted to some of them. */
public enum Source {
    /** The query string of the request target. */
    QUERY,
    /** The request body (multipart or urlencoded). */
    BODY,
    /** The {@code cookie} header fields. */
    COOKIE
}
