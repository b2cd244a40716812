package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.PROTOCOL_ERROR;
import static dev.weft.http2.core.Http2Exception.stream;

import dev.weft.api.Headers;

/**
 * HTTP message rules of RFC 9113 §8 for requests and trailers. A malformed message is a stream
 * error of type PROTOCOL_ERROR (§8.1.1).
 *
 * <p>Threading: stateless.
 */
final class MessageValidator {
    private MessageValidator() {
    }

    /**
     * @param fields the decoded block, with each field's name class and value verdict from the
     *        decoder's per-array cache, so no name or value is scanned here
     */
    static RequestHead request(int streamId, HeaderBlockDecoder.Result fields) throws StreamError {
        String method = null;
        String scheme = null;
        String authority = null;
        String path = null;
        String host = null;
        boolean regularSeen = false;
        long contentLength = -1;
        Headers.Builder headers = Headers.builder();
        StringBuilder cookies = null;
        for (int i = 0, n = fields.size(); i < n; i++) {
            String name = fields.name(i);
            String value = fields.value(i);
            int valueInfo = fields.valueInfo(i);
            checkValue(streamId, name, valueInfo);
            int nameClass = fields.nameInfo(i);
            if (nameClass >= HeaderBlockDecoder.METHOD && nameClass <= HeaderBlockDecoder.PSEUDO_OTHER) {
                if (regularSeen) {
                    throw malformed(streamId, "pseudo-header %s after a regular field", name);
                }
                switch (nameClass) {
                    case HeaderBlockDecoder.METHOD -> method = once(streamId, name, method, value);
                    case HeaderBlockDecoder.SCHEME -> scheme = once(streamId, name, scheme, value);
                    case HeaderBlockDecoder.AUTHORITY -> authority = once(streamId, name, authority, value);
                    case HeaderBlockDecoder.PATH -> path = once(streamId, name, path, value);
                    default -> throw malformed(streamId, "unknown or response pseudo-header %s in a request", name);
                }
                continue;
            }
            regularSeen = true;
            checkName(streamId, name, nameClass);
            switch (nameClass) {
                case HeaderBlockDecoder.CONNECTION_SPECIFIC -> throw malformed(streamId, "connection-specific field %s", name);
                case HeaderBlockDecoder.TE -> {
                    if ((valueInfo & HeaderBlockDecoder.VALUE_TRAILERS) == 0) {
                        throw malformed(streamId, "te: %s, only \"trailers\" is allowed", value);
                    }
                    headers.add(name, value);
                }
                case HeaderBlockDecoder.CONTENT_LENGTH -> {
                    long parsed = parseLength(streamId, value);
                    if (contentLength >= 0 && parsed != contentLength) {
                        throw malformed(streamId, "conflicting content-length values");
                    }
                    contentLength = parsed;
                    headers.add(name, value);
                }
                case HeaderBlockDecoder.HOST -> {
                    if (host == null) {
                        host = value;
                    }
                    headers.add(name, value);
                }
                case HeaderBlockDecoder.COOKIE ->
                        cookies = cookies == null ? new StringBuilder(value) : cookies.append("; ").append(value);
                default -> headers.add(name, value);
            }
        }
        if (cookies != null) {
            headers.add("cookie", cookies.toString());
        }
        if (method == null) {
            throw malformed(streamId, "missing :method");
        }
        if (method.equals("CONNECT")) {
            // §8.5: CONNECT carries only :method and :authority.
            if (scheme != null || path != null || authority == null) {
                throw malformed(streamId, "CONNECT needs :authority and no :scheme or :path");
            }
            return new RequestHead(method, "", authority, "", headers.build(), contentLength);
        }
        if (scheme == null || path == null) {
            throw malformed(streamId, "missing :scheme or :path");
        }
        if (path.isEmpty()) {
            throw malformed(streamId, "empty :path");
        }
        if (!path.startsWith("/") && !(path.equals("*") && method.equals("OPTIONS"))) {
            throw malformed(streamId, ":path %s is neither absolute nor * for OPTIONS", path);
        }
        if (authority == null) {
            authority = host == null ? "" : host;
        }
        return new RequestHead(method, scheme, authority, path, headers.build(), contentLength);
    }

    static Headers trailers(int streamId, HeaderBlockDecoder.Result fields) throws StreamError {
        Headers.Builder headers = Headers.builder();
        for (int i = 0, n = fields.size(); i < n; i++) {
            String name = fields.name(i);
            int nameClass = fields.nameInfo(i);
            if (nameClass >= HeaderBlockDecoder.METHOD && nameClass <= HeaderBlockDecoder.PSEUDO_OTHER) {
                throw malformed(streamId, "pseudo-header %s in trailers", name);
            }
            checkName(streamId, name, nameClass);
            checkValue(streamId, name, fields.valueInfo(i));
            if (nameClass == HeaderBlockDecoder.CONNECTION_SPECIFIC) {
                throw malformed(streamId, "connection-specific field %s in trailers", name);
            }
            headers.add(name, fields.value(i));
        }
        return headers.build();
    }

    /** §8.2.1: lower-case token characters only (classified by the decoder). */
    private static void checkName(int streamId, String name, int nameClass) throws StreamError {
        if (nameClass == HeaderBlockDecoder.EMPTY_NAME) {
            throw malformed(streamId, "empty field name");
        }
        if (nameClass == HeaderBlockDecoder.BAD_NAME) {
            throw malformed(streamId, "field name %s has an upper-case or invalid character", name);
        }
    }

    /** §8.2.1: no NUL, CR or LF, no leading or trailing whitespace (classified by the decoder). */
    private static void checkValue(int streamId, String name, int valueInfo) throws StreamError {
        if ((valueInfo & HeaderBlockDecoder.VALUE_CONTROL) != 0) {
            throw malformed(streamId, "value of %s contains NUL, CR or LF", name);
        }
        if ((valueInfo & HeaderBlockDecoder.VALUE_BLANK_EDGE) != 0) {
            throw malformed(streamId, "value of %s starts or ends with whitespace", name);
        }
    }

    private static String once(int streamId, String name, String previous, String value) throws StreamError {
        if (previous != null) {
            throw malformed(streamId, "duplicate %s", name);
        }
        return value;
    }

    private static long parseLength(int streamId, String value) throws StreamError {
        if (value.isEmpty() || value.length() > 18) {
            throw malformed(streamId, "bad content-length %s", value);
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                throw malformed(streamId, "bad content-length %s", value);
            }
        }
        return Long.parseLong(value);
    }

    private static StreamError malformed(int streamId, String format, Object... args) {
        return stream(streamId, PROTOCOL_ERROR, "malformed request: " + format, args);
    }
}
