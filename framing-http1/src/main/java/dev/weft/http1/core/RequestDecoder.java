package dev.weft.http1.core;

import dev.weft.api.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a connection's bytes into {@link RequestEvent}s, one request at a time (RFC 9112).
 * Sans-IO: no socket, thread or clock; a pure function of the bytes and its own state.
 *
 * <p><b>Contract</b>: {@link #next} consumes what it used from {@code in} (advancing its
 * position) and returns one event, or {@code null} when it needs more bytes. Bytes it did not
 * consume (a partial head, a partial chunk-size line) must be presented again, followed by the
 * new ones. After {@link RequestEvent.End} it returns {@code null} until {@link #startNext()},
 * so that a pipelined request is not read before the previous one is answered. After
 * {@link RequestEvent.Malformed} it returns {@code null} for good.
 *
 * <p><b>Strictness</b> (the request smuggling defences, RFC 9112 §11.2): a bare LF or CR, an
 * obs-fold line, white space before a field's colon, Content-Length together with
 * Transfer-Encoding, more than one Content-Length, a Transfer-Encoding other than
 * {@code chunked}, a chunk size that is not hex or overflows, and a chunk not followed by CRLF
 * are all refused with 400, never guessed at.
 *
 * <p>Threading: one thread at a time (the connection's loop).
 */
public final class RequestDecoder {
    private enum State { HEAD, LENGTH_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, END_PENDING, DONE, FAILED }

    /** How many empty lines before a request line are skipped (RFC 9112 §2.2 asks for at least one). */
    private static final int MAX_LEADING_EMPTY_LINES = 4;
    /** Fields in one head or trailer section; 16 KiB of 2-byte fields would otherwise be 4,000 entries. */
    static final int MAX_FIELDS = 256;
    /** The largest chunk size taken: 2^60 octets; more hex digits than that is an overflow. */
    private static final long MAX_CHUNK_SIZE = 1L << 60;

    private final Http1Limits limits;
    private State state = State.HEAD;
    private final SectionScanner scanner = new SectionScanner();
    private long remaining;
    private Headers pendingTrailers = Headers.empty();

    /** @param limits the bounds enforced */
    public RequestDecoder(Http1Limits limits) {
        this.limits = limits;
    }

    /** @return whether the decoder is between requests and has consumed nothing of the next one */
    public boolean isIdle() {
        return state == State.HEAD && scanner.scanned == 0;
    }

    /** @return whether the current request has been read to its end (or failed) */
    public boolean isRequestDone() {
        return state == State.DONE || state == State.FAILED;
    }

    /** @return whether the decoder refused the bytes */
    public boolean isFailed() {
        return state == State.FAILED;
    }

    /** Begins reading the next request after {@link RequestEvent.End}. */
    public void startNext() {
        if (state != State.DONE) {
            throw new IllegalStateException("the current request is not finished: " + state);
        }
        state = State.HEAD;
        scanner.reset();
    }

    /**
     * @param in the bytes received and not yet consumed
     * @return the next event, or {@code null} if more bytes are needed (or the request is done)
     */
    public RequestEvent next(ByteBuffer in) {
        try {
            return switch (state) {
                case HEAD -> head(in);
                case LENGTH_BODY -> lengthBody(in);
                case CHUNK_SIZE -> chunkSize(in);
                case CHUNK_DATA -> chunkData(in);
                case CHUNK_DATA_END -> chunkDataEnd(in);
                case TRAILERS -> trailers(in);
                case END_PENDING -> {
                    state = State.DONE;
                    Headers trailers = pendingTrailers;
                    pendingTrailers = Headers.empty();
                    yield new RequestEvent.End(trailers);
                }
                case DONE, FAILED -> null;
            };
        } catch (Refusal refusal) {
            state = State.FAILED;
            return new RequestEvent.Malformed(refusal.status, refusal.getMessage());
        }
    }

    // ------------------------------------------------------------------ head

    private RequestEvent head(ByteBuffer in) throws Refusal {
        skipLeadingEmptyLines(in);
        int length = scanner.scan(in, limits.maxHeaderSection(), limits.maxRequestLine());
        if (length < 0) {
            return null;
        }
        byte[] section = new byte[length];
        in.get(section);
        scanner.reset();
        RequestHead head = interpret(section);
        switch (head.framing()) {
            case NONE -> state = State.END_PENDING;
            case LENGTH -> {
                remaining = head.contentLength();
                state = State.LENGTH_BODY;
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
        }
        return new RequestEvent.Head(head);
    }

    private void skipLeadingEmptyLines(ByteBuffer in) throws Refusal {
        if (scanner.scanned != 0) {
            return;
        }
        for (int i = 0; i < MAX_LEADING_EMPTY_LINES && in.remaining() >= 1; i++) {
            byte first = in.get(in.position());
            if (first == '\n') {
                throw new Refusal(400, "bare LF before the request line");
            }
            if (first != '\r') {
                return;
            }
            if (in.remaining() < 2) {
                return;
            }
            if (in.get(in.position() + 1) != '\n') {
                throw new Refusal(400, "bare CR before the request line");
            }
            in.position(in.position() + 2);
        }
    }

    /**
     * Interprets a complete head: {@code b} holds the request line and field lines, each ending
     * with CRLF (the scanner checked that every LF follows a CR and every CR precedes an LF), and
     * the final empty line. One pass, no line strings: this runs once per request on the loop.
     */
    private static RequestHead interpret(byte[] b) throws Refusal {
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
            if (++count > MAX_FIELDS) {
                throw new Refusal(431, "more than " + MAX_FIELDS + " header fields");
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
    private static void parseFields(List<String> lines, int from, Headers.Builder into) throws Refusal {
        if (lines.size() - from > MAX_FIELDS) {
            throw new Refusal(431, "more than " + MAX_FIELDS + " header fields");
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
    public static boolean isToken(String text) {
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
    public static boolean isTokenChar(int c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ bodies

    private RequestEvent lengthBody(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return null;
        }
        int take = (int) Math.min(remaining, in.remaining());
        ByteBuffer slice = in.slice(in.position(), take);
        in.position(in.position() + take);
        remaining -= take;
        if (remaining == 0) {
            state = State.END_PENDING;
        }
        return new RequestEvent.Data(slice);
    }

    private RequestEvent chunkSize(ByteBuffer in) throws Refusal {
        int start = in.position();
        int limit = Math.min(in.limit(), start + limits.maxChunkLine());
        int lf = -1;
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                lf = i;
                break;
            }
        }
        if (lf < 0) {
            if (in.remaining() >= limits.maxChunkLine()) {
                throw new Refusal(400, "chunk-size line longer than " + limits.maxChunkLine() + " bytes");
            }
            return null;
        }
        if (lf == start || in.get(lf - 1) != '\r') {
            throw new Refusal(400, "bare LF in a chunk-size line");
        }
        int end = lf - 1;
        long size = 0;
        int i = start;
        for (; i < end; i++) {
            int digit = Character.digit(in.get(i), 16);
            if (digit < 0) {
                break;
            }
            if (size >= MAX_CHUNK_SIZE >>> 4) {
                throw new Refusal(400, "chunk size overflows");
            }
            size = (size << 4) | digit;
        }
        if (i == start) {
            throw new Refusal(400, "chunk size is not hexadecimal");
        }
        // After the digits: optional white space, then chunk extensions (";name=value"), ignored.
        while (i < end && (in.get(i) == ' ' || in.get(i) == '\t')) {
            i++;
        }
        if (i < end && in.get(i) != ';') {
            throw new Refusal(400, "chunk size is not hexadecimal");
        }
        for (; i < end; i++) {
            int c = in.get(i) & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new Refusal(400, "control character in a chunk extension");
            }
        }
        in.position(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return next(in);
    }

    private RequestEvent chunkData(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return null;
        }
        int take = (int) Math.min(remaining, in.remaining());
        ByteBuffer slice = in.slice(in.position(), take);
        in.position(in.position() + take);
        remaining -= take;
        if (remaining == 0) {
            state = State.CHUNK_DATA_END;
        }
        return new RequestEvent.Data(slice);
    }

    private RequestEvent chunkDataEnd(ByteBuffer in) throws Refusal {
        if (in.remaining() < 2) {
            if (in.hasRemaining() && in.get(in.position()) != '\r') {
                throw new Refusal(400, "chunk data not followed by CRLF");
            }
            return null;
        }
        if (in.get(in.position()) != '\r' || in.get(in.position() + 1) != '\n') {
            throw new Refusal(400, "chunk data not followed by CRLF");
        }
        in.position(in.position() + 2);
        state = State.CHUNK_SIZE;
        return next(in);
    }

    private RequestEvent trailers(ByteBuffer in) throws Refusal {
        if (scanner.scanned == 0 && in.remaining() >= 2 && in.get(in.position()) == '\r' && in.get(in.position() + 1) == '\n') {
            in.position(in.position() + 2);
            state = State.DONE;
            return new RequestEvent.End(Headers.empty());
        }
        int length = scanner.scan(in, limits.maxHeaderSection(), limits.maxHeaderSection());
        if (length < 0) {
            return null;
        }
        int start = in.position();
        List<String> lines = scanner.lines(in, start, length);
        in.position(start + length);
        scanner.reset();
        Headers.Builder fields = Headers.builder();
        List<String> all = new ArrayList<>(lines.size() + 1);
        all.add("");
        all.addAll(lines);
        parseFields(all, 1, fields);
        // Framing and routing fields have no business in trailers (RFC 9110 §6.5.1): dropped.
        fields.remove("content-length").remove("transfer-encoding").remove("host").remove("trailer");
        state = State.DONE;
        return new RequestEvent.End(fields.build());
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Finds the end of a field section (an empty line), resuming where the last call stopped,
     * refusing bare LF and bare CR on the way.
     */
    private static final class SectionScanner {
        /** Bytes from the section's start already scanned. */
        int scanned;
        /** Offset of the current line's start. */
        int lineStart;
        /** Length of the first line, or -1 until it ended. */
        int firstLine = -1;

        void reset() {
            scanned = 0;
            lineStart = 0;
            firstLine = -1;
        }

        /**
         * @return the section's length including its final empty line, or -1 for more bytes
         */
        int scan(ByteBuffer in, int maxSection, int maxFirstLine) throws Refusal {
            int base = in.position();
            int available = in.remaining();
            for (int i = scanned; i < available; i++) {
                byte b = in.get(base + i);
                if (b == '\n') {
                    if (i == 0 || in.get(base + i - 1) != '\r') {
                        throw new Refusal(400, "bare LF (lines must end with CRLF)");
                    }
                    if (firstLine < 0) {
                        firstLine = i - 1;
                    }
                    if (i - lineStart == 1) {
                        scanned = i + 1;
                        return i + 1;
                    }
                    lineStart = i + 1;
                } else if (i > 0 && in.get(base + i - 1) == '\r') {
                    throw new Refusal(400, "bare CR (lines must end with CRLF)");
                }
                if (firstLine < 0 && i >= maxFirstLine) {
                    throw new Refusal(414, "request line longer than " + maxFirstLine + " bytes");
                }
                if (i >= maxSection) {
                    throw new Refusal(431, "header section longer than " + maxSection + " bytes");
                }
            }
            scanned = available;
            return -1;
        }

        /** @return the section's lines without CRLF and without the final empty line */
        List<String> lines(ByteBuffer in, int start, int length) {
            List<String> lines = new ArrayList<>(16);
            int lineBegin = start;
            int end = start + length - 2; // the final empty line
            for (int i = start; i < end; i++) {
                if (in.get(i) == '\r') {
                    lines.add(ascii(in, lineBegin, i));
                    lineBegin = i + 2;
                    i++;
                }
            }
            return lines;
        }

        private static String ascii(ByteBuffer in, int from, int to) {
            byte[] bytes = new byte[to - from];
            in.get(from, bytes);
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /** A broken rule; becomes {@link RequestEvent.Malformed}. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refusal(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }
}
