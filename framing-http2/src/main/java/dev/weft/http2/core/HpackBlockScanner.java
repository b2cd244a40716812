package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.COMPRESSION_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;

import java.util.Arrays;

/**
 * Walks a complete HPACK header block (RFC 7541 §6) without decoding it, to enforce what the
 * lenient {@code com.twitter.hpack} decoder does not: every representation ends inside the
 * block (that decoder would silently keep a truncated one for the next block), integers do not
 * overflow, a dynamic table size update appears only at the start of a block and within our
 * SETTINGS_HEADER_TABLE_SIZE (§4.2, §6.3), and Huffman strings are valid ({@link HuffmanCheck}).
 *
 * <p>It runs before the library's decoder on every block, so it is kept cheap: no allocation
 * (the position is a field, not a boxed array), an indexed field below 127 skipped in one octet,
 * and Huffman strings already verified (the same octets every request, like a literal
 * {@code :path} that peers such as nghttp2 never index) recognised by a compare instead of a
 * bit-by-bit walk.
 *
 * <p>Threading: not thread-safe; one per {@link HeaderBlockDecoder}, owned with it by the
 * connection's event loop thread.
 */
final class HpackBlockScanner {
    /** Integers beyond this are nonsense for any field or index and end the connection. */
    private static final int MAX_INTEGER = 1 << 24;
    /** Huffman strings longer than this are checked every time (not remembered). */
    private static final int VERIFIED_MAX = 64;
    private static final int VERIFIED_SLOTS = 8;

    /** Read position in the block being scanned. */
    private int position;
    /** Fields seen so far in the block being scanned. */
    private int fields;
    /**
     * Bit {@code i}: field {@code i} (of the first 64) is a literal not added to the dynamic table,
     * so the decoder hands over a new value array that never comes back (name: a literal name).
     * Read by {@link HeaderBlockDecoder} to keep such arrays out of its per-array cache, where
     * they would only evict the table entries that do come back.
     */
    long transientValues;
    long transientNames;
    /** Huffman strings that passed {@link HuffmanCheck}, direct-mapped by length and first octet. */
    private final byte[][] verified = new byte[VERIFIED_SLOTS][];

    /**
     * @param block the whole block
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE
     * @throws ConnectionError COMPRESSION_ERROR if the block's structure is invalid
     */
    static void scan(byte[] block, int maxTableSize) throws ConnectionError {
        new HpackBlockScanner().scan(block, 0, block.length, maxTableSize);
    }

    /**
     * @param block holds the block at {@code [offset, end)}
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE
     * @throws ConnectionError COMPRESSION_ERROR if the block's structure is invalid
     */
    void scan(byte[] block, int offset, int end, int maxTableSize) throws ConnectionError {
        position = offset;
        fields = 0;
        transientValues = 0;
        transientNames = 0;
        boolean fieldSeen = false;
        while (position < end) {
            int first = block[position] & 0xff;
            if ((first & 0x80) != 0) {
                int index = first & 0x7f;
                if (index == 0) {
                    throw connection(COMPRESSION_ERROR, "HPACK indexed field with index 0");
                }
                if (index < 0x7f) {
                    position++; // the usual case on a warm connection: one octet, nothing to check
                } else {
                    integer(block, end, 7);
                }
                fields++;
                fieldSeen = true;
            } else if ((first & 0xc0) == 0x40) {
                literal(block, end, 6, false);
                fieldSeen = true;
            } else if ((first & 0xe0) == 0x20) {
                if (fieldSeen) {
                    throw connection(COMPRESSION_ERROR, "HPACK dynamic table size update after a field");
                }
                int size = integer(block, end, 5);
                if (size > maxTableSize) {
                    throw connection(COMPRESSION_ERROR, "HPACK table size update %d exceeds SETTINGS_HEADER_TABLE_SIZE %d",
                            size, maxTableSize);
                }
            } else {
                literal(block, end, 4, true);
                fieldSeen = true;
            }
        }
    }

    private void literal(byte[] block, int end, int prefixBits, boolean notIndexed) throws ConnectionError {
        long bit = fields < 64 ? 1L << fields : 0;
        if (integer(block, end, prefixBits) == 0) {
            string(block, end);
            if (notIndexed) {
                transientNames |= bit;
            }
        }
        string(block, end);
        if (notIndexed) {
            transientValues |= bit;
        }
        fields++;
    }

    private void string(byte[] block, int end) throws ConnectionError {
        boolean huffman = position < end && (block[position] & 0x80) != 0;
        int length = integer(block, end, 7);
        if (length > end - position) {
            throw connection(COMPRESSION_ERROR, "HPACK string of %d octets runs past the block", length);
        }
        if (huffman && length > 0) {
            checkHuffman(block, position, length);
        }
        position += length;
    }

    private void checkHuffman(byte[] block, int offset, int length) throws ConnectionError {
        if (length > VERIFIED_MAX) {
            HuffmanCheck.check(block, offset, length);
            return;
        }
        int slot = (length * 31 + block[offset]) & (VERIFIED_SLOTS - 1);
        byte[] known = verified[slot];
        if (known != null && Arrays.equals(known, 0, known.length, block, offset, offset + length)) {
            return;
        }
        HuffmanCheck.check(block, offset, length);
        verified[slot] = Arrays.copyOfRange(block, offset, offset + length);
    }

    /** RFC 7541 §5.1, reading from {@link #position} and advancing it. */
    private int integer(byte[] block, int end, int prefixBits) throws ConnectionError {
        if (position >= end) {
            throw connection(COMPRESSION_ERROR, "HPACK block ends inside a representation");
        }
        int mask = (1 << prefixBits) - 1;
        int value = block[position++] & mask;
        if (value < mask) {
            return value;
        }
        int shift = 0;
        while (true) {
            if (position >= end) {
                throw connection(COMPRESSION_ERROR, "HPACK block ends inside an integer");
            }
            int next = block[position++] & 0xff;
            value += (next & 0x7f) << shift;
            if (value > MAX_INTEGER || shift > 21) {
                throw connection(COMPRESSION_ERROR, "HPACK integer too large");
            }
            if ((next & 0x80) == 0) {
                return value;
            }
            shift += 7;
        }
    }
}
