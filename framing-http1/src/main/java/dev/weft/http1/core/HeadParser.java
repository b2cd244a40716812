package dev.weft.http1.core;

import dev.weft.api.Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The request head's grammar (RFC 9112 §3, RFC 9110 §5): the request line, the field lines and
 * the framing decision (Content-Length, Transfer-Encoding), in one pass over a complete head
 * that {@link SectionScanner} delimited. Split from {@link RequestDecoder}, which owns the
 * per-connection state; this class has none (static functions of their arguments).
 */
final class HeadParser {
    private HeadParser() {
    }

    /**
     * Interprets a complete head: {@code b} holds the request line and field lines, each ending
     * with CRLF (the scanner checked that every LF follows a CR and every CR precedes an LF), and
     * the final empty line. One pass, no line strings: this runs once per request on the loop.
     */
    static RequestHead interpret(byte[] b) throws Refusal {
        int end = b.length - 2; // the final empty line's CRLF
        int lineEnd = indexOf(b, '\r', 0, end);
        if (lineEnd <= 0) {
            throw new Refusal(400, "empty lines where the request line belongs");
        }
        int firstSpace = indexOf(b, ' ', 0, lineEnd);
        int secondSpace = firstSpace < 0 ? -1 : indexOf(b, ' ', firstSpace + 1, lineEnd);
        if (firstSpace <= 0 || secondSpace < 0 || indexOf(b, ' ', secondSpace + 1, lineEnd) >= 0) {
            throw new Refusal(400, "request line is not 'method SP target SP version'");
        }
        for (int i = 0; i < firstSpace; i++) {
            if (!isTokenChar(b[i] & 0xff)) {
                throw new Refusal(400, "method is not a token");
            }
        }
        String method = method(b, firstSpace);
        Http1Version version = version(b, secondSpace + 1, lineEnd);
        if (secondSpace == firstSpace + 1) {
            throw new Refusal(400, "empty request target");
        }
        for (int i = firstSpace + 1; i < secondSpace; i++) {
            int c = b[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                throw new Refusal(400, "request target holds a character outside visible ASCII");
            }
        }
        String rawTarget = new String(b, firstSpace + 1, secondSpace - firstSpace - 1, StandardCharsets.ISO_8859_1);

        // The fields, and on the way the few that frame and route the request.
        Headers.Builder fields = Headers.builder();
        int hostCount = 0;
        String host = null;
        List<String> lengths = null;
        List<String> codings = null;
        List<String> connectionOptions = null;
        List<String> upgrades = null;
        String expect = null;
        int count = 0;
        for (int pos = lineEnd + 2; pos < end; ) {
            int lineStop = indexOf(b, '\r', pos, end + 1);
            int first = b[pos];
            if (first == ' ' || first == '\t') {
                throw new Refusal(400, "obs-fold (a field line starting with white space)");
            }
            if (++count > RequestDecoder.MAX_FIELDS) {
                throw new Refusal(431, "more than " + RequestDecoder.MAX_FIELDS + " header fields");
            }
            int colon = indexOf(b, ':', pos, lineStop);
            if (colon <= pos) {
                throw new Refusal(400, "field line without a name and a colon");
            }
            String name = lowerCaseToken(b, pos, colon);
            int valueStart = colon + 1;
            int valueEnd = lineStop;
            while (valueStart < valueEnd && (b[valueStart] == ' ' || b[valueStart] == '\t')) {
                valueStart++;
            }
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            for (int j = valueStart; j < valueEnd; j++) {
                int c = b[j] & 0xff;
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new Refusal(400, "field " + name + " holds a control character");
                }
            }
            String value = new String(b, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            switch (name) {
                case "host" -> {
                    hostCount++;
                    host = value;
                }
                case "content-length" -> lengths = add(lengths, value);
                case "transfer-encoding" -> codings = add(codings, value);
                case "connection" -> connectionOptions = add(connectionOptions, value);
                case "upgrade" -> upgrades = add(upgrades, value);
                case "expect" -> expect = expect == null ? value : expect + "," + value;
                default -> {
                    // an ordinary field
                }
            }
            fields.add(name, value);
            pos = lineStop + 2;
        }
        Headers headers = fields.build();

        String target = rawTarget;
        String authorityFromTarget = null;
        if (rawTarget.charAt(0) == '/') {
            // origin-form
        } else if (rawTarget.equals("*")) {
            if (!method.equals("OPTIONS")) {
                throw new Refusal(400, "asterisk-form target is only for OPTIONS");
            }
        } else {
            String lower = rawTarget.toLowerCase(Locale.ROOT);
            int schemeEnd = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
            if (schemeEnd < 0) {
                throw new Refusal(400, "request target is neither origin-form nor absolute-form");
            }
            int pathStart = rawTarget.indexOf('/', schemeEnd);
            int queryStart = rawTarget.indexOf('?', schemeEnd);
            int authorityEnd = pathStart < 0 ? (queryStart < 0 ? rawTarget.length() : queryStart)
                    : (queryStart < 0 ? pathStart : Math.min(pathStart, queryStart));
            authorityFromTarget = rawTarget.substring(schemeEnd, authorityEnd);
            String rest = rawTarget.substring(authorityEnd);
            target = rest.isEmpty() ? "/" : rest.charAt(0) == '?' ? "/" + rest : rest;
        }

        if (hostCount > 1) {
            throw new Refusal(400, "more than one Host field");
        }
        if (hostCount == 0 && version == Http1Version.HTTP_1_1) {
            throw new Refusal(400, "HTTP/1.1 request without a Host field");
        }
        String authority = authorityFromTarget != null ? authorityFromTarget : host == null ? "" : host;

        BodyFraming framing;
        long contentLength = -1;
        if (codings != null) {
            if (lengths != null) {
                throw new Refusal(400, "both Content-Length and Transfer-Encoding (request smuggling)");
            }
            if (version == Http1Version.HTTP_1_0) {
                throw new Refusal(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            List<String> list = new ArrayList<>();
            for (String value : codings) {
                for (String element : value.split(",", -1)) {
                    String coding = element.strip().toLowerCase(Locale.ROOT);
                    if (coding.isEmpty()) {
                        throw new Refusal(400, "empty element in Transfer-Encoding");
                    }
                    list.add(coding);
                }
            }
            if (!list.getLast().equals("chunked") || list.indexOf("chunked") != list.size() - 1) {
                throw new Refusal(400, "Transfer-Encoding must end with a single chunked");
            }
            if (list.size() > 1) {
                throw new Refusal(501, "transfer coding " + list.getFirst() + " is not implemented");
            }
            framing = BodyFraming.CHUNKED;
        } else if (lengths != null) {
            if (lengths.size() > 1) {
                throw new Refusal(400, "more than one Content-Length (request smuggling)");
            }
            contentLength = parseLength(lengths.getFirst());
            framing = contentLength == 0 ? BodyFraming.NONE : BodyFraming.LENGTH;
        } else {
            framing = BodyFraming.NONE;
        }

        boolean close = false;
        boolean keepAliveAsked = false;
        boolean upgradeAsked = false;
        if (connectionOptions != null) {
            for (String value : connectionOptions) {
                for (String element : value.split(",")) {
                    String option = element.strip().toLowerCase(Locale.ROOT);
                    switch (option) {
                        case "close" -> close = true;
                        case "keep-alive" -> keepAliveAsked = true;
                        case "upgrade" -> upgradeAsked = true;
                        default -> {
                            // other connection options name hop-by-hop fields; nothing to do
                        }
                    }
                }
            }
        }
        boolean keepAlive = !close && (version == Http1Version.HTTP_1_1 || keepAliveAsked);

        boolean expectContinue = false;
        if (expect != null) {
            if (!expect.strip().equalsIgnoreCase("100-continue")) {
                throw new Refusal(417, "only Expect: 100-continue is understood");
            }
            expectContinue = version == Http1Version.HTTP_1_1 && framing != BodyFraming.NONE;
        }

        List<String> upgrade = List.of();
        if (upgradeAsked && upgrades != null && version == Http1Version.HTTP_1_1) {
            List<String> protocols = new ArrayList<>();
            for (String value : upgrades) {
                for (String element : value.split(",")) {
                    String protocol = element.strip().toLowerCase(Locale.ROOT);
                    if (!protocol.isEmpty()) {
                        protocols.add(protocol);
                    }
                }
            }
            upgrade = List.copyOf(protocols);
        }
        return new RequestHead(method, target, version, headers, authority, framing, contentLength, keepAlive,
                expectContinue, upgrade);
    }

    private static List<String> add(List<String> list, String value) {
        List<String> out = list == null ? new ArrayList<>(2) : list;
        out.add(value);
        return out;
    }

    private static int indexOf(byte[] b, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** @return the method, the common ones without allocating */
    private static String method(byte[] b, int length) {
        if (length == 3 && b[0] == 'G' && b[1] == 'E' && b[2] == 'T') {
            return "GET";
        }
        if (length == 4 && b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T') {
            return "POST";
        }
        if (length == 4 && b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D') {
            return "HEAD";
        }
        return new String(b, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** @return the field name in lower case; refuses a name that is not a token */
    private static String lowerCaseToken(byte[] b, int from, int to) throws Refusal {
        boolean upper = false;
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (!isTokenChar(c)) {
                throw new Refusal(400, "field name is not a token (white space before the colon?)");
            }
            upper |= c >= 'A' && c <= 'Z';
        }
        if (!upper) {
            return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        }
        byte[] lower = new byte[to - from];
        for (int i = 0; i < lower.length; i++) {
            byte c = b[from + i];
            lower[i] = c >= 'A' && c <= 'Z' ? (byte) (c + ('a' - 'A')) : c;
        }
        return new String(lower, StandardCharsets.ISO_8859_1);
    }

    private static Http1Version version(byte[] b, int from, int to) throws Refusal {
        if (to - from == 8 && b[from] == 'H' && b[from + 1] == 'T' && b[from + 2] == 'T' && b[from + 3] == 'P'
                && b[from + 4] == '/' && b[from + 5] == '1' && b[from + 6] == '.') {
            if (b[from + 7] == '1') {
                return Http1Version.HTTP_1_1;
            }
            if (b[from + 7] == '0') {
                return Http1Version.HTTP_1_0;
            }
        }
        return version(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
    }

    private static Http1Version version(String text) throws Refusal {
        if (text.equals("HTTP/1.1")) {
            return Http1Version.HTTP_1_1;
        }
        if (text.equals("HTTP/1.0")) {
            return Http1Version.HTTP_1_0;
        }
        if (text.length() == 8 && text.startsWith("HTTP/") && Character.isDigit(text.charAt(5)) && text.charAt(6) == '.'
                && Character.isDigit(text.charAt(7))) {
            throw new Refusal(505, "HTTP version " + text + " is not supported (HTTP/1.1 and HTTP/1.0 are)");
        }
        throw new Refusal(400, "request line does not end with an HTTP version");
    }

    private static long parseLength(String value) throws Refusal {
        if (value.isEmpty() || value.length() > 18) {
            throw new Refusal(400, "Content-Length is not a number of at most 18 digits");
        }
        long length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new Refusal(400, "Content-Length is not a decimal number");
            }
            length = length * 10 + (c - '0');
        }
        return length;
    }

    /** Parses {@code lines[from..]} as field lines into {@code into}. */
    static void parseFields(List<String> lines, int from, Headers.Builder into) throws Refusal {
        if (lines.size() - from > RequestDecoder.MAX_FIELDS) {
            throw new Refusal(431, "more than " + RequestDecoder.MAX_FIELDS + " header fields");
        }
        for (int i = from; i < lines.size(); i++) {
            String line = lines.get(i);
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                throw new Refusal(400, "obs-fold (a field line starting with white space)");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new Refusal(400, "field line without a name and a colon");
            }
            String name = line.substring(0, colon);
            if (!isToken(name)) {
                throw new Refusal(400, "field name is not a token (white space before the colon?)");
            }
            int start = colon + 1;
            int end = line.length();
            while (start < end && isWhite(line.charAt(start))) {
                start++;
            }
            while (end > start && isWhite(line.charAt(end - 1))) {
                end--;
            }
            for (int j = start; j < end; j++) {
                char c = line.charAt(j);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new Refusal(400, "field " + name + " holds a control character");
                }
            }
            into.add(name, line.substring(start, end));
        }
    }

    private static boolean isWhite(char c) {
        return c == ' ' || c == '\t';
    }

    /** @return whether {@code text} is a non-empty RFC 9110 token */
    static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!isTokenChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code c} is an RFC 9110 tchar */
    static boolean isTokenChar(int c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }
}
