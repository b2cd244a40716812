package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.COMPRESSION_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;

import com.twitter.hpack.Decoder;
import com.twitter.hpack.HeaderListener;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes whole header blocks with {@code com.twitter.hpack}, guarded as that lenient library
 * needs (issue 3): only complete blocks, structure checked first by {@link HpackBlockScanner},
 * every block decoded to its end so the shared dynamic table stays in step with the peer's
 * encoder even when the list is too large, 32 octets of overhead per field counted against
 * SETTINGS_MAX_HEADER_LIST_SIZE, {@code endHeaderBlock() == true} (fields dropped for size) taken
 * as over the limit, and any decoding failure turned into a COMPRESSION_ERROR.
 *
 * <p>Each octet string is classified once per distinct array (issue 12): its {@link String}, its
 * name class (pseudo-header, {@code te}, {@code content-length}, ...) and its value verdict (NUL,
 * CR, LF, whitespace at the ends) are cached by the library's array identity, so a field the
 * peer sends indexed (the same table entry's arrays every time) costs a look-up, and
 * {@link MessageValidator} works on the cached {@link #info} words, not by re-scanning strings.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread. The {@link Result}
 * it returns is reused: valid until the next {@code decode}.
 */
public final class HeaderBlockDecoder {
    // Name classes, the low byte of an info word.
    static final int REGULAR = 0;
    static final int METHOD = 1;
    static final int SCHEME = 2;
    static final int AUTHORITY = 3;
    static final int PATH = 4;
    /** Starts with ':' but is none of the four request pseudo-headers. */
    static final int PSEUDO_OTHER = 5;
    static final int EMPTY_NAME = 6;
    /** Upper case, a control octet, a space, ':' or a non-ASCII octet (§8.2.1). */
    static final int BAD_NAME = 7;
    /** §8.2.2. */
    static final int CONNECTION_SPECIFIC = 8;
    static final int TE = 9;
    static final int CONTENT_LENGTH = 10;
    static final int COOKIE = 11;
    static final int HOST = 12;
    static final int NAME_CLASS = 0xff;
    // Value verdicts, higher bits of the same word (a value is classified as a name too: cheap, and
    // one array never needs two cache slots).
    /** Contains NUL, CR or LF. */
    static final int VALUE_CONTROL = 1 << 8;
    /** Starts or ends with a space or a tab. */
    static final int VALUE_BLANK_EDGE = 1 << 9;
    /** Is exactly {@code trailers} (the only value {@code te} may have). */
    static final int VALUE_TRAILERS = 1 << 10;

    private static final byte[] B_METHOD = ascii(":method");
    private static final byte[] B_SCHEME = ascii(":scheme");
    private static final byte[] B_AUTHORITY = ascii(":authority");
    private static final byte[] B_PATH = ascii(":path");
    private static final byte[] B_TE = ascii("te");
    private static final byte[] B_HOST = ascii("host");
    private static final byte[] B_COOKIE = ascii("cookie");
    private static final byte[] B_UPGRADE = ascii("upgrade");
    private static final byte[] B_TRAILERS = ascii("trailers");
    private static final byte[] B_KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] B_CONNECTION = ascii("connection");
    private static final byte[] B_CONTENT_LENGTH = ascii("content-length");
    private static final byte[] B_PROXY_CONNECTION = ascii("proxy-connection");
    private static final byte[] B_TRANSFER_ENCODING = ascii("transfer-encoding");

    private final Decoder decoder;
    private final int maxHeaderListSize;
    private final int maxTableSize;
    private final HpackBlockScanner scanner = new HpackBlockScanner();
    private final BlockStream stream = new BlockStream();
    private final Result result = new Result();
    private final HeaderListener listener = this::onField;
    /** List size of the block being decoded, with the overhead of §6.5.2. */
    private int listSize;
    /** Index of the next field of the block being decoded (for the scanner's transient bits). */
    private int fieldIndex;

    /**
     * @param maxHeaderListSize our SETTINGS_MAX_HEADER_LIST_SIZE
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE
     */
    public HeaderBlockDecoder(int maxHeaderListSize, int maxTableSize) {
        this.decoder = new Decoder(maxHeaderListSize, maxTableSize);
        this.maxHeaderListSize = maxHeaderListSize;
        this.maxTableSize = maxTableSize;
    }

    /** Octet strings longer than this are not cached. */
    private static final int CACHE_MAX_STRING = 128;
    private static final int CACHE_SLOTS = 64;
    /**
     * Strings and info words of the octet arrays the library hands us, by array identity: an
     * indexed field comes back as the same arrays of the library's table entry every time, so a
     * request whose fields are all indexed (the usual case on a busy connection) decodes without
     * a new String and without a scan. The library never changes an array once made. Allocated on
     * the first block.
     */
    private byte[][] cachedOctets;
    private String[] cachedStrings;
    private int[] cachedInfo;
    /** Alternates the victim when both slots of an array are taken. */
    private int evictions;

    /**
     * What a block decoded to: the fields in order, each with its info word. Reused by its
     * decoder (valid until the next {@code decode}); {@code overLimit} means the fields are
     * incomplete and must not be used (there are none then).
     */
    public static final class Result {
        private String[] names = new String[16];
        private String[] values = new String[16];
        private int[] infos = new int[32];
        private int size;
        private boolean overLimit;

        private Result() {
        }

        /** @return whether the list was over SETTINGS_MAX_HEADER_LIST_SIZE (and so has no fields) */
        public boolean overLimit() {
            return overLimit;
        }

        /** @return the number of fields */
        public int size() {
            return size;
        }

        /** @return the name of field {@code i} */
        public String name(int i) {
            return names[i];
        }

        /** @return the value of field {@code i} */
        public String value(int i) {
            return values[i];
        }

        /** The name's class ({@link #NAME_CLASS} bits) of field {@code i}. */
        int nameInfo(int i) {
            return infos[2 * i];
        }

        /** The value's verdict bits of field {@code i}. */
        int valueInfo(int i) {
            return infos[2 * i + 1];
        }

        /** @return a copy of the fields as a list (tests, tools; the server reads the arrays) */
        public List<HeaderField> fields() {
            List<HeaderField> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(new HeaderField(names[i], values[i]));
            }
            return list;
        }

        private void add(String name, int nameInfo, String value, int valueInfo) {
            if (size == names.length) {
                names = Arrays.copyOf(names, 2 * size);
                values = Arrays.copyOf(values, 2 * size);
                infos = Arrays.copyOf(infos, 4 * size);
            }
            names[size] = name;
            values[size] = value;
            infos[2 * size] = nameInfo;
            infos[2 * size + 1] = valueInfo;
            size++;
        }

        private void clear() {
            Arrays.fill(names, 0, size, null);
            Arrays.fill(values, 0, size, null);
            size = 0;
        }
    }

    /**
     * @param block one complete header block (HEADERS + every CONTINUATION fragment)
     * @return the fields in order, or an over-limit marker
     * @throws ConnectionError COMPRESSION_ERROR if the block cannot be decoded
     */
    public Result decode(byte[] block) throws ConnectionError {
        return decode(block, 0, block.length);
    }

    /**
     * @param block holds one complete header block at {@code [offset, offset + length)}
     * @return the fields in order, or an over-limit marker (the same object every call)
     * @throws ConnectionError COMPRESSION_ERROR if the block cannot be decoded
     */
    public Result decode(byte[] block, int offset, int length) throws ConnectionError {
        // The pre-pass stays: the library keeps a truncated representation as state for the next
        // block instead of failing, does not bound integers, accepts a table size update after a
        // field, and does not reject EOS or bad padding in Huffman strings. None of that is
        // visible from its listener, so it cannot be folded into the decode pass; the scanner is
        // allocation-free and skips an indexed field in one or two octets.
        scanner.scan(block, offset, offset + length, maxTableSize);
        result.clear();
        result.overLimit = false;
        listSize = 0;
        fieldIndex = 0;
        stream.reset(block, offset, length);
        try {
            decoder.decode(stream, listener);
        } catch (IOException | RuntimeException e) {
            // The library signals bad indexes, bad Huffman and table-size abuse this way.
            decoder.endHeaderBlock();
            result.clear();
            throw connection(COMPRESSION_ERROR, "HPACK decoding failed: %s", e.getMessage());
        } finally {
            stream.reset(null, 0, 0);
        }
        if (decoder.endHeaderBlock()) {
            result.clear();
            result.overLimit = true;
        }
        return result;
    }

    /** The library's callback, once per field in order (only from {@link #decode}). */
    private void onField(byte[] name, byte[] value, boolean sensitive) {
        if (result.overLimit) {
            return;
        }
        listSize += name.length + value.length + HeaderField.ENTRY_OVERHEAD;
        if (listSize > maxHeaderListSize) {
            result.overLimit = true;
            result.clear();
            return;
        }
        long bit = fieldIndex < 64 ? 1L << fieldIndex : 0;
        fieldIndex++;
        int nameSlot = (scanner.transientNames & bit) != 0 ? -1 : lookUp(name);
        String nameString = nameSlot >= 0 ? cachedStrings[nameSlot] : latin1(name);
        int nameInfo = nameSlot >= 0 ? cachedInfo[nameSlot] : info(name);
        int valueSlot = (scanner.transientValues & bit) != 0 ? -1 : lookUp(value);
        String valueString = valueSlot >= 0 ? cachedStrings[valueSlot] : latin1(value);
        int valueInfo = valueSlot >= 0 ? cachedInfo[valueSlot] : info(value);
        result.add(nameString, nameInfo & NAME_CLASS, valueString, valueInfo & ~NAME_CLASS);
    }

    /** @return the cache slot holding {@code octets} (filled now if it was not), or -1 if not cached */
    private int lookUp(byte[] octets) {
        if (octets.length > CACHE_MAX_STRING) {
            return -1;
        }
        if (cachedOctets == null) {
            cachedOctets = new byte[CACHE_SLOTS][];
            cachedStrings = new String[CACHE_SLOTS];
            cachedInfo = new int[CACHE_SLOTS];
        }
        // Two candidate slots per array (two-way): a browser's 20-odd arrays in 64 direct-mapped
        // slots would keep evicting each other, and each eviction costs a String and a scan.
        int hash = System.identityHashCode(octets);
        int slot = hash & (CACHE_SLOTS - 1);
        if (cachedOctets[slot] == octets) {
            return slot;
        }
        int other = (hash >>> 6) & (CACHE_SLOTS - 1);
        if (cachedOctets[other] == octets) {
            return other;
        }
        if (cachedOctets[slot] != null && (cachedOctets[other] == null || (evictions++ & 1) == 0)) {
            slot = other;
        }
        cachedStrings[slot] = latin1(octets);
        cachedInfo[slot] = info(octets);
        cachedOctets[slot] = octets;
        return slot;
    }

    private static String latin1(byte[] octets) {
        return new String(octets, StandardCharsets.ISO_8859_1);
    }

    /** The name class and value verdict of an octet string, in one scan (plus a compare for known names). */
    static int info(byte[] s) {
        int n = s.length;
        boolean control = false;
        boolean badName = n == 0;
        for (int i = 0; i < n; i++) {
            int c = s[i] & 0xff;
            control |= c == 0 || c == '\r' || c == '\n';
            badName |= c <= 0x20 || (c >= 'A' && c <= 'Z') || c >= 0x7f || c == ':';
        }
        int verdict = (control ? VALUE_CONTROL : 0)
                | (n > 0 && (blank(s[0]) || blank(s[n - 1])) ? VALUE_BLANK_EDGE : 0)
                | (Arrays.equals(s, B_TRAILERS) ? VALUE_TRAILERS : 0);
        return verdict | nameClass(s, badName);
    }

    private static int nameClass(byte[] s, boolean badName) {
        if (s.length == 0) {
            return EMPTY_NAME;
        }
        if (s[0] == ':') {
            return switch (s.length) {
                case 5 -> Arrays.equals(s, B_PATH) ? PATH : PSEUDO_OTHER;
                case 7 -> Arrays.equals(s, B_METHOD) ? METHOD : Arrays.equals(s, B_SCHEME) ? SCHEME : PSEUDO_OTHER;
                case 10 -> Arrays.equals(s, B_AUTHORITY) ? AUTHORITY : PSEUDO_OTHER;
                default -> PSEUDO_OTHER;
            };
        }
        if (badName) {
            return BAD_NAME;
        }
        return switch (s.length) {
            case 2 -> Arrays.equals(s, B_TE) ? TE : REGULAR;
            case 4 -> Arrays.equals(s, B_HOST) ? HOST : REGULAR;
            case 6 -> Arrays.equals(s, B_COOKIE) ? COOKIE : REGULAR;
            case 7 -> Arrays.equals(s, B_UPGRADE) ? CONNECTION_SPECIFIC : REGULAR;
            case 10 -> Arrays.equals(s, B_KEEP_ALIVE) || Arrays.equals(s, B_CONNECTION) ? CONNECTION_SPECIFIC : REGULAR;
            case 14 -> Arrays.equals(s, B_CONTENT_LENGTH) ? CONTENT_LENGTH : REGULAR;
            case 16 -> Arrays.equals(s, B_PROXY_CONNECTION) ? CONNECTION_SPECIFIC : REGULAR;
            case 17 -> Arrays.equals(s, B_TRANSFER_ENCODING) ? CONNECTION_SPECIFIC : REGULAR;
            default -> REGULAR;
        };
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The block as the library's input, re-pointed for each block (no stream per block) and
     * without {@link ByteArrayInputStream}'s monitor on every octet read.
     */
    private static final class BlockStream extends ByteArrayInputStream {
        BlockStream() {
            super(new byte[0]);
        }

        void reset(byte[] block, int offset, int length) {
            buf = block;
            pos = offset;
            count = offset + length;
            mark = offset;
        }

        @Override
        public int read() {
            return pos < count ? buf[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= count) {
                return len == 0 ? 0 : -1;
            }
            int n = Math.min(len, count - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, count - pos));
            pos += (int) k;
            return k;
        }

        @Override
        public int available() {
            return count - pos;
        }

        @Override
        public void mark(int readLimit) {
            mark = pos;
        }

        @Override
        public void reset() {
            pos = mark;
        }
    }
}
