package dev.weft.http2.core;

import dev.weft.api.Headers;
import java.util.Objects;

/**
 * A validated request header section (RFC 9113 §8.3.1).
 *
 * @param method {@code :method}
 * @param scheme {@code :scheme} (empty for CONNECT)
 * @param authority {@code :authority}, else the {@code host} field, else empty
 * @param target {@code :path} with its query (empty for CONNECT)
 * @param headers the regular fields, cookies joined into one field (§8.2.3)
 * @param contentLength the declared {@code content-length}, or -1
 */
public record RequestHead(String method, String scheme, String authority, String target, Headers headers,
                          long contentLength) {
    /** @throws NullPointerException for a null part */
    public RequestHead {
        Objects.requireNonNull(method, "method is null");
        Objects.requireNonNull(scheme, "scheme is null");
        Objects.requireNonNull(authority, "authority is null");
        Objects.requireNonNull(target, "target is null");
        Objects.requireNonNull(headers, "headers is null");
    }
}
