package dev.weft.body;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Finds the structure of a {@code multipart} body (RFC 2046 section 5.1.1) in chunks handed to
 * {@link #feed}: sans-IO, it never reads, it reports to a {@link Sink} what each chunk holds —
 * a part's header section, bytes of a part's body, the end of a part — and remembers where it is
 * between chunks.
 *
 * <p>Speed: part bodies are searched for the delimiter {@code CRLF "--" boundary} by looking for
 * its first byte, CR, eight bytes at a time (SWAR on {@code long}s), and comparing the rest only
 * where a CR is; bytes between delimiters reach the sink as slices of the caller's chunk, never
 * copied. Because the boundary may not contain CR (it is rejected at construction) a match can
 * only start at a CR, so the search is linear whatever the bytes are, and the only state carried
 * from one chunk to the next is how many bytes of a delimiter the previous chunk ended with
 * ({@link #matched}), at most the delimiter's length minus one.
 *
 * <p>Compatibility with commons-fileupload2, which parsed bodies before (and still parses the
 * header sections' text): a header section ends at the first {@code CRLFCRLF} found by the same
 * naive matcher, counting its bytes (terminator included) against {@code maxHeader}; after a
 * delimiter, {@code LF} alone starts a part like {@code CRLF} does, {@code "--"} closes the
 * multipart; the first delimiter is {@code "--" boundary} anywhere in the preamble, even
 * mid-line. One difference (RFC 2046 allows it, fileupload2 answered 400): transport padding
 * (spaces and tabs) between a boundary and its CRLF is accepted.
 *
 * <p>Nested {@code multipart/mixed} (RFC 7578 4.3, files of one field): the sink answers a
 * header section with the nested boundary; the scanner then reads that multipart's parts inside
 * the outer part, and after its close skips to the next outer delimiter.
 *
 * <p>Threading and ownership: one instance per parse, owned by the parsing thread; every field
 * is mutable state of that thread. Slices handed to the sink are valid only during the call.
 */
final class MultipartScanner {
    /** Longest boundary accepted; fileupload2's default buffer (4096) held one delimiter plus one byte. */
    static final int MAX_BOUNDARY = 4096 - 5;

    private static final long CRS = 0x0D0D0D0D0D0D0D0DL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** What a chunk held, in order. */
    interface Sink {
        /**
         * A part's header section, terminator included.
         *
         * @return the boundary of a nested {@code multipart/mixed} that this part's body holds,
         *     or {@code null} for an ordinary part
         */
        byte[] headers(byte[] section) throws IOException;

        /** Bytes of the current part's body, a slice valid only during the call. */
        void body(ByteBuffer bytes) throws IOException;

        /** The current part's body ended (its delimiter was found). */
        void partEnd() throws IOException;

        /** A nested multipart/mixed closed; parts that follow belong to the outer multipart again. */
        void nestedEnd();
    }

    private enum State {
        /** Before the first delimiter (of the body, or of a nested multipart): searching {@code "--" boundary}. */
        PREAMBLE,
        /** Searching the delimiter: in a part's body, or skipping a nested multipart's epilogue. */
        SCAN,
        /** Just after a delimiter: CRLF (a part follows), "--" (close), or transport padding. */
        AFTER_DELIMITER,
        /** In a part's header section. */
        HEADERS,
        /** The outermost multipart closed; what follows is epilogue, ignored. */
        DONE
    }

    private final int maxHeader;
    /** CRLF "--" boundary of the outermost multipart. */
    private final byte[] outer;
    /** The delimiter searched now: {@link #outer} or a nested multipart's. */
    private byte[] delimiter;
    /** KMP failure table of {@code delimiter[2..]}, for {@link State#PREAMBLE}. */
    private int[] fallback;
    private State state = State.PREAMBLE;
    /**
     * In {@link State#SCAN}: bytes of {@link #delimiter} the last chunk ended with (a partial
     * match); in {@link State#PREAMBLE}: bytes of {@code delimiter[2..]} matched so far.
     */
    private int matched;
    /** In {@link State#SCAN}: whether the scanned bytes are an epilogue rather than a part's body. */
    private boolean discarding;
    /** Whether the scanner is inside a nested multipart/mixed. */
    private boolean nested;
    /** Whether any delimiter was seen: a body without one is not a form at all. */
    private boolean sawDelimiter;
    /** In {@link State#AFTER_DELIMITER}: 0 nothing yet, '-' saw one dash, '\r' saw CR, ' ' in padding. */
    private int trailer;
    /** In {@link State#HEADERS}: the section so far, and how much of CRLFCRLF it ends with. */
    private byte[] header = new byte[256];
    private int headerLength;
    private int headerMatched;

    /**
     * @param boundary the boundary parameter of the body's content type
     * @param maxHeader the most bytes one part's header section may have
     * @throws MalformedFormException an empty, too long or CR/LF-holding boundary
     */
    MultipartScanner(byte[] boundary, int maxHeader) throws MalformedFormException {
        this.maxHeader = maxHeader;
        this.outer = delimiterOf(boundary);
        this.delimiter = outer;
        this.fallback = failureTable(outer);
    }

    private static byte[] delimiterOf(byte[] boundary) throws MalformedFormException {
        if (boundary == null || boundary.length == 0) {
            throw new MalformedFormException(400, "malformed multipart body: no multipart boundary was found");
        }
        if (boundary.length > MAX_BOUNDARY) {
            throw new MalformedFormException(415, "not a multipart body: the boundary is longer than " + MAX_BOUNDARY + " bytes");
        }
        byte[] delimiter = new byte[boundary.length + 4];
        delimiter[0] = '\r';
        delimiter[1] = '\n';
        delimiter[2] = '-';
        delimiter[3] = '-';
        System.arraycopy(boundary, 0, delimiter, 4, boundary.length);
        for (byte b : boundary) {
            if (b == '\r' || b == '\n') {
                // RFC 2046 bchars; and a CR inside would make the search quadratic
                throw new MalformedFormException(400, "malformed multipart body: the boundary holds CR or LF");
            }
        }
        return delimiter;
    }

    /** @return whether the outermost multipart has closed */
    boolean complete() {
        return state == State.DONE;
    }

    /** Consumes all of {@code chunk} (its position ends at its limit), reporting to {@code sink}. */
    void feed(ByteBuffer chunk, Sink sink) throws IOException {
        int pos = chunk.position();
        int limit = chunk.limit();
        ByteBuffer words = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        while (pos < limit) {
            pos = switch (state) {
                case PREAMBLE -> preamble(chunk, pos, limit);
                case SCAN -> scan(chunk, words, pos, limit, sink);
                case AFTER_DELIMITER -> afterDelimiter(chunk, pos, limit, sink);
                case HEADERS -> headers(chunk, pos, limit, sink);
                case DONE -> limit;
            };
        }
        chunk.position(limit);
    }

    /** The body ended: throws unless the outermost multipart closed. */
    void finish() throws MalformedFormException {
        if (state == State.DONE || state == State.AFTER_DELIMITER && !nested) {
            // fileupload2 read a body ending in a delimiter's line ("--", CRLF or none of them
            // yet) as complete: so does this
            return;
        }
        throw new MalformedFormException(400, sawDelimiter ? "malformed multipart body: stream ended unexpectedly"
                : "malformed multipart body: no boundary delimiter found");
    }

    /**
     * Like fileupload2, finds the first {@code "--" boundary} anywhere, even mid-line; the
     * pattern's first byte recurs in it (boundaries of dashes), so this is a KMP search, a byte
     * at a time: preambles are short, and linear whatever they hold.
     */
    private int preamble(ByteBuffer chunk, int pos, int limit) {
        int length = delimiter.length - 2;
        for (; pos < limit; pos++) {
            byte b = chunk.get(pos);
            while (matched > 0 && b != delimiter[2 + matched]) {
                matched = fallback[matched - 1];
            }
            if (b == delimiter[2 + matched] && ++matched == length) {
                matched = 0;
                sawDelimiter = true;
                state = State.AFTER_DELIMITER;
                trailer = 0;
                return pos + 1;
            }
        }
        return limit;
    }

    /** @return the KMP failure table of {@code delimiter[2..]} */
    private static int[] failureTable(byte[] delimiter) {
        int length = delimiter.length - 2;
        int[] table = new int[length];
        for (int i = 1, k = 0; i < length; i++) {
            while (k > 0 && delimiter[2 + i] != delimiter[2 + k]) {
                k = table[k - 1];
            }
            if (delimiter[2 + i] == delimiter[2 + k]) {
                k++;
            }
            table[i] = k;
        }
        return table;
    }

    private int scan(ByteBuffer chunk, ByteBuffer words, int pos, int limit, Sink sink) throws IOException {
        if (matched > 0) {
            // the last chunk ended with delimiter[0..matched): go on matching it
            int need = delimiter.length - matched;
            int have = Math.min(need, limit - pos);
            int mismatch = mismatch(chunk, pos, delimiter, matched, have);
            if (mismatch < 0 && have == need) {
                matched = 0;
                delimiterFound(sink);
                return pos + need;
            }
            if (mismatch < 0) {
                matched += have;
                return limit;
            }
            // not a delimiter after all: the carried bytes were data; no match can start inside
            // them or the bytes just compared, as neither holds a CR past the first
            emit(sink, ByteBuffer.wrap(delimiter, 0, matched));
            matched = 0;
        }
        int last = limit - delimiter.length; // the last position a whole delimiter can start at
        int from = pos;
        while (true) {
            int cr = indexOfCr(words, from, limit);
            if (cr == limit) {
                emit(sink, chunk, pos, limit);
                return limit;
            }
            if (cr <= last) {
                if (mismatch(chunk, cr + 1, delimiter, 1, delimiter.length - 1) < 0) {
                    emit(sink, chunk, pos, cr);
                    delimiterFound(sink);
                    return cr + delimiter.length;
                }
            } else if (mismatch(chunk, cr + 1, delimiter, 1, limit - cr - 1) < 0) {
                // the chunk ends inside what may be a delimiter: keep the count, not the bytes
                emit(sink, chunk, pos, cr);
                matched = limit - cr;
                return limit;
            }
            from = cr + 1;
        }
    }

    private void emit(Sink sink, ByteBuffer chunk, int from, int to) throws IOException {
        if (to > from) {
            emit(sink, chunk.slice(from, to - from));
        }
    }

    private void emit(Sink sink, ByteBuffer bytes) throws IOException {
        if (!discarding) {
            sink.body(bytes);
        }
    }

    private void delimiterFound(Sink sink) throws IOException {
        if (!discarding) {
            sink.partEnd();
        }
        sawDelimiter = true;
        state = State.AFTER_DELIMITER;
        trailer = 0;
    }

    private int afterDelimiter(ByteBuffer chunk, int pos, int limit, Sink sink) throws MalformedFormException {
        for (; pos < limit; pos++) {
            byte b = chunk.get(pos);
            switch (trailer) {
                case 0 -> {
                    if (b == '\n') { // fileupload2's allowance for old browsers: LF alone
                        return startHeaders(pos + 1);
                    }
                    trailer = b == '-' || b == '\r' ? b : b == ' ' || b == '\t' ? ' ' : -1;
                }
                case '-' -> {
                    if (b == '-') {
                        return closed(pos + 1, limit, sink);
                    }
                    trailer = -1;
                }
                case '\r' -> {
                    if (b == '\n') {
                        return startHeaders(pos + 1);
                    }
                    trailer = -1;
                }
                case ' ' -> trailer = b == ' ' || b == '\t' ? ' ' : b == '\r' ? '\r' : -1;
                default -> throw new IllegalStateException("trailer " + trailer);
            }
            if (trailer < 0) {
                throw new MalformedFormException(400, "malformed multipart body: unexpected characters follow a boundary");
            }
        }
        return limit;
    }

    private int closed(int pos, int limit, Sink sink) {
        if (!nested) {
            state = State.DONE;
            return limit;
        }
        // the nested multipart closed: skip its epilogue up to the outer part's end
        nested = false;
        sink.nestedEnd();
        delimiter = outer;
        state = State.SCAN;
        discarding = true;
        matched = 0;
        return pos;
    }

    private int startHeaders(int pos) {
        state = State.HEADERS;
        headerLength = 0;
        headerMatched = 0;
        return pos;
    }

    private int headers(ByteBuffer chunk, int pos, int limit, Sink sink) throws IOException {
        for (; pos < limit; pos++) {
            byte b = chunk.get(pos);
            if (headerLength == maxHeader) {
                throw new BodyQuotaException(Quota.MAX_HEADER, maxHeader, "a part's header section");
            }
            if (headerLength == header.length) {
                header = Arrays.copyOf(header, Math.min(maxHeader, header.length * 2));
            }
            header[headerLength++] = b;
            // the same naive matcher as fileupload2's readHeaders: a mismatch restarts at 0
            headerMatched = b == "\r\n\r\n".charAt(headerMatched) ? headerMatched + 1 : 0;
            if (headerMatched == 4) {
                byte[] nestedBoundary = sink.headers(Arrays.copyOf(header, headerLength));
                state = State.SCAN;
                if (nestedBoundary != null && !nested) {
                    nested = true;
                    delimiter = delimiterOf(nestedBoundary);
                    fallback = failureTable(delimiter);
                    state = State.PREAMBLE;
                    matched = 0;
                } else {
                    discarding = false;
                    matched = 0;
                }
                return pos + 1;
            }
        }
        return limit;
    }

    /** @return the first index in {@code [from, to)} holding CR, or {@code to} */
    static int indexOfCr(ByteBuffer words, int from, int to) {
        int i = from;
        for (int end = to - Long.BYTES; i <= end; i += Long.BYTES) {
            long x = words.getLong(i) ^ CRS;
            // a zero byte of x is a CR; the lowest flagged byte is exact (higher ones may not be)
            long found = (x - ONES) & ~x & HIGHS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (words.get(i) == '\r') {
                return i;
            }
        }
        return to;
    }

    /** @return the first {@code k < length} where {@code chunk[at + k] != pattern[from + k]}, or -1 */
    private static int mismatch(ByteBuffer chunk, int at, byte[] pattern, int from, int length) {
        for (int k = 0; k < length; k++) {
            if (chunk.get(at + k) != pattern[from + k]) {
                return k;
            }
        }
        return -1;
    }
}
