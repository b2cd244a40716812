package dev.weft.http2.core;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes response header blocks (RFC 7541) without a dynamic table: {@code :status} of the
 * common codes as a one-octet static-table index, every other field a literal without indexing,
 * its name by static-table index where it has one, no Huffman. Stateless encodings can be cached:
 * the encoding of each (name, value) pair a handler sends again and again ({@code content-type:
 * text/plain; charset=utf-8}) is kept in a small per-connection cache keyed by the identity of the
 * two strings, so a typical response's block is a few array copies. The cost of not indexing is
 * a few dozen octets per response; the gain is no hashing, no table upkeep and no
 * {@code getBytes} per field.
 *
 * <p>When the peer lowers SETTINGS_HEADER_TABLE_SIZE, the next block still starts with the size
 * updates RFC 7541 §4.2 asks for (the smallest value seen, then the final one), although nothing
 * is ever inserted.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread.
 */
public final class HeaderBlockEncoder {
    /** The largest table size we ever acknowledge (we never insert, so any size is honoured). */
    public static final int MAX_TABLE_SIZE = 4096;

    /** RFC 7541 Appendix A: the static table's names, index 1 first. */
    private static final String[] STATIC_NAMES = {
        ":authority", ":method", ":method", ":path", ":path", ":scheme", ":scheme", ":status", ":status", ":status",
        ":status", ":status", ":status", ":status", "accept-charset", "accept-encoding", "accept-language",
        "accept-ranges", "accept", "access-control-allow-origin", "age", "allow", "authorization", "cache-control",
        "content-disposition", "content-encoding", "content-language", "content-length", "content-location",
        "content-range", "content-type", "cookie", "date", "etag", "expect", "expires", "from", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "link", "location",
        "max-forwards", "proxy-authenticate", "proxy-authorization", "range", "referer", "refresh", "retry-after",
        "server", "set-cookie", "strict-transport-security", "transfer-encoding", "user-agent", "vary", "via",
        "www-authenticate",
    };
    /** Name -> its first static-table index. */
    private static final Map<String, Integer> STATIC_NAME_INDEX = new HashMap<>();
    private static final int CONTENT_LENGTH_INDEX;
    /** Cache slots (a power of two). */
    private static final int CACHE_SLOTS = 64;
    /** Fields longer than this are encoded each time, not cached. */
    private static final int CACHE_MAX_FIELD = 256;
    private static final int INITIAL_BUFFER = 256;
    private static final int MAX_KEPT_BUFFER = 16 << 10;

    static {
        for (int i = STATIC_NAMES.length - 1; i >= 0; i--) {
            STATIC_NAME_INDEX.put(STATIC_NAMES[i], i + 1);
        }
        CONTENT_LENGTH_INDEX = STATIC_NAME_INDEX.get("content-length");
    }

    private int tableSize = MAX_TABLE_SIZE;
    /** Smallest size asked for since the last block, or -1 if none pending. */
    private int pendingSmallest = -1;
    private int pendingFinal = -1;
    /** The block being built; reused, copied out at the end. Allocated on the first block, like the cache. */
    private byte[] buffer;
    private int length;
    /**
     * Direct-mapped cache of field encodings, by the identity of name and value (an idle
     * connection never allocates it).
     */
    private String[] cachedNames;
    private String[] cachedValues;
    private byte[][] cachedBytes;

    /** Takes note of the peer's SETTINGS_HEADER_TABLE_SIZE; applied at the start of the next block. */
    public void peerTableSize(long value) {
        int size = (int) Math.min(value, MAX_TABLE_SIZE);
        if (pendingSmallest < 0 && size == tableSize) {
            return;
        }
        pendingSmallest = pendingSmallest < 0 ? size : Math.min(pendingSmallest, size);
        pendingFinal = size;
    }

    /** @return the encoded block */
    public byte[] encode(List<HeaderField> fields) {
        if (buffer == null) {
            buffer = new byte[INITIAL_BUFFER];
            cachedNames = new String[CACHE_SLOTS];
            cachedValues = new String[CACHE_SLOTS];
            cachedBytes = new byte[CACHE_SLOTS][];
        }
        length = 0;
        if (pendingSmallest >= 0) {
            if (pendingSmallest < pendingFinal) {
                integer(0x20, 5, pendingSmallest);
            }
            integer(0x20, 5, pendingFinal);
            tableSize = pendingFinal;
            pendingSmallest = -1;
            pendingFinal = -1;
        }
        for (int i = 0; i < fields.size(); i++) {
            HeaderField field = fields.get(i);
            field(field.name(), field.value());
        }
        byte[] block = Arrays.copyOf(buffer, length);
        if (buffer.length > MAX_KEPT_BUFFER) {
            buffer = new byte[INITIAL_BUFFER]; // one huge block must not pin its buffer for the connection's life
        }
        return block;
    }

    private void field(String name, String value) {
        if (name.equals(":status")) {
            int index = statusIndex(value);
            if (index > 0) {
                put((byte) (0x80 | index));
                return;
            }
        } else if (name.equals("content-length")) {
            // A different value almost every time: not worth a cache slot.
            integer(0x00, 4, CONTENT_LENGTH_INDEX);
            string(value);
            return;
        }
        int slot = (System.identityHashCode(name) * 31 + System.identityHashCode(value)) & (CACHE_SLOTS - 1);
        if (cachedNames[slot] == name && cachedValues[slot] == value) {
            put(cachedBytes[slot]);
            return;
        }
        int start = length;
        literal(name, value);
        if (length - start <= CACHE_MAX_FIELD) {
            cachedNames[slot] = name;
            cachedValues[slot] = value;
            cachedBytes[slot] = Arrays.copyOfRange(buffer, start, length);
        }
    }

    /** §6.2.2: literal header field without indexing, the name by index when the static table has it. */
    private void literal(String name, String value) {
        Integer index = STATIC_NAME_INDEX.get(name);
        if (index != null) {
            integer(0x00, 4, index);
        } else {
            put((byte) 0x00);
            string(name);
        }
        string(value);
    }

    private static int statusIndex(String status) {
        return switch (status) {
            case "200" -> 8;
            case "204" -> 9;
            case "206" -> 10;
            case "304" -> 11;
            case "400" -> 12;
            case "404" -> 13;
            case "500" -> 14;
            default -> 0;
        };
    }

    /** §5.2, not Huffman-coded: the characters are octets (ISO-8859-1; the API refuses others). */
    private void string(String s) {
        int n = s.length();
        integer(0x00, 7, n);
        ensure(n);
        for (int i = 0; i < n; i++) {
            buffer[length + i] = (byte) s.charAt(i); // ISO-8859-1: the char is the octet
        }
        length += n;
    }

    /** §5.1: {@code value} with an {@code prefixBits}-bit prefix, the first octet's other bits {@code flags}. */
    private void integer(int flags, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            put((byte) (flags | value));
            return;
        }
        put((byte) (flags | max));
        value -= max;
        while (value >= 0x80) {
            put((byte) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        put((byte) value);
    }

    private void put(byte b) {
        ensure(1);
        buffer[length++] = b;
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, length + more));
        }
    }
}
