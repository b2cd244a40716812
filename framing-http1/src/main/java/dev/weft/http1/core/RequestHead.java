package dev.weft.http1.core;

import dev.weft.api.Headers;
import java.util.List;

/**
 * A request's line and header fields, checked and interpreted.
 *
 * @param method the method token as sent
 * @param target the request target in origin form ({@code /path?query}), or {@code *}
 * @param version the version
 * @param headers every field in order, lower-case names
 * @param authority the Host field (or the absolute-form target's authority); empty for HTTP/1.0 without Host
 * @param framing how the body is delimited
 * @param contentLength the declared length for {@link BodyFraming#LENGTH}, else -1
 * @param keepAlive whether the peer wants the connection kept after this exchange
 * @param expectContinue whether the peer waits for {@code 100 Continue} before sending the body
 * @param upgrade the protocols named in an {@code Upgrade} field with {@code Connection: upgrade}, lower case
 */
public record RequestHead(String method, String target, Http1Version version, Headers headers, String authority,
                          BodyFraming framing, long contentLength, boolean keepAlive, boolean expectContinue,
                          List<String> upgrade) {
}
