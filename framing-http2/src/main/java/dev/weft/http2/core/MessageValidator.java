package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.PROTOCOL_ERROR;
import static dev.weft.http2.core.Http2Exception.stream;

import dev.weft.api.Headers;
import java.util.List;
import java.util.Set;

/**
 * HTTP message rules of RFC 9113 §8 for requests and trailers. A malformed message is a stream
 * error of type PROTOCOL_ERROR (§8.1.1).
 *
 * <p>Threading: stateless.
 */
final class MessageValidator {
    /** §8.2.2: fields that only make sense for one HTTP/1.1 hop. */
    private static final Set<String> CONNECTION_SPECIFIC =
            Set.of("connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade");

    private MessageValidator() {
    }

    static RequestHead request(int streamId, List<HeaderField> fields) throws StreamError {
        String method = null;
        String scheme = null;
        String authority = null;
        String path = null;
        boolean regularSeen = false;
        long contentLength = -1;
        Headers.Builder headers = Headers.builder();
        StringBuilder cookies = null;
        for (HeaderField field : fields) {
            String name = field.name();
            String value = field.value();
            checkValue(streamId, name, value);
            if (field.isPseudo()) {
                if (regularSeen) {
                    throw malformed(streamId, "pseudo-header %s after a regular field", name);
                }
                switch (name) {
                    case ":method" -> method = once(streamId, name, method, value);
                    case ":scheme" -> scheme = once(streamId, name, scheme, value);
                    case ":authority" -> authority = once(streamId, name, authority, value);
                    case ":path" -> path = once(streamId, name, path, value);
                    default -> throw malformed(streamId, "unknown or response pseudo-header %s in a request", name);
                }
                continue;
            }
            regularSeen = true;
            checkName(streamId, name);
            if (CONNECTION_SPECIFIC.contains(name)) {
                throw malformed(streamId, "connection-specific field %s", name);
            }
            switch (name) {
                case "te" -> {
                    if (!value.equals("trailers")) {
                        throw malformed(streamId, "te: %s, only \"trailers\" is allowed", value);
                    }
                    headers.add(name, value);
                }
                case "content-length" -> {
                    long parsed = parseLength(streamId, value);
                    if (contentLength >= 0 && parsed != contentLength) {
                        throw malformed(streamId, "conflicting content-length values");
                    }
                    contentLength = parsed;
                    headers.add(name, value);
                }
                case "cookie" -> cookies = cookies == null ? new StringBuilder(value) : cookies.append("; ").append(value);
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
        Headers built = headers.build();
        if (authority == null) {
            String host = built.get("host");
            authority = host == null ? "" : host;
        }
        return new RequestHead(method, scheme, authority, path, built, contentLength);
    }

    static Headers trailers(int streamId, List<HeaderField> fields) throws StreamError {
        Headers.Builder headers = Headers.builder();
        for (HeaderField field : fields) {
            if (field.isPseudo()) {
                throw malformed(streamId, "pseudo-header %s in trailers", field.name());
            }
            checkName(streamId, field.name());
            checkValue(streamId, field.name(), field.value());
            if (CONNECTION_SPECIFIC.contains(field.name())) {
                throw malformed(streamId, "connection-specific field %s in trailers", field.name());
            }
            headers.add(field.name(), field.value());
        }
        return headers.build();
    }

    /** §8.2.1: lower-case token characters only. */
    private static void checkName(int streamId, String name) throws StreamError {
        if (name.isEmpty()) {
            throw malformed(streamId, "empty field name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || (c >= 'A' && c <= 'Z') || c >= 0x7f || c == ':') {
                throw malformed(streamId, "field name %s has an upper-case or invalid character", name);
            }
        }
    }

    /** §8.2.1: no NUL, CR or LF, no leading or trailing whitespace. */
    private static void checkValue(int streamId, String name, String value) throws StreamError {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                throw malformed(streamId, "value of %s contains NUL, CR or LF", name);
            }
        }
        if (!value.isEmpty() && (isBlank(value.charAt(0)) || isBlank(value.charAt(value.length() - 1)))) {
            throw malformed(streamId, "value of %s starts or ends with whitespace", name);
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
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
