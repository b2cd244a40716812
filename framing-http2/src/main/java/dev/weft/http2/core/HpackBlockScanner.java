package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.COMPRESSION_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;

/**
 * Walks a complete HPACK header block (RFC 7541 §6) without decoding it, to enforce what the
 * lenient {@code com.twitter.hpack} decoder does not: every representation ends inside the
 * block (that decoder would silently keep a truncated one for the next block), integers do not
 * overflow, and a dynamic table size update appears only at the start of a block and within our
 * SETTINGS_HEADER_TABLE_SIZE (§4.2, §6.3).
 *
 * <p>Threading: stateless.
 */
final class HpackBlockScanner {
    /** Integers beyond this are nonsense for any field or index and end the connection. */
    private static final int MAX_INTEGER = 1 << 24;

    private HpackBlockScanner() {
    }

    /**
     * @param block the whole block
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE
     * @throws ConnectionError COMPRESSION_ERROR if the block's structure is invalid
     */
    static void scan(byte[] block, int maxTableSize) throws ConnectionError {
        scan(block, 0, block.length, maxTableSize);
    }

    /**
     * @param block holds the block at {@code [offset, end)}
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE
     * @throws ConnectionError COMPRESSION_ERROR if the block's structure is invalid
     */
    static void scan(byte[] block, int offset, int end, int maxTableSize) throws ConnectionError {
        int[] position = {offset};
        boolean fieldSeen = false;
        while (position[0] < end) {
            int first = block[position[0]] & 0xff;
            if ((first & 0x80) != 0) {
                if (integer(block, end, position, 7) == 0) {
                    throw connection(COMPRESSION_ERROR, "HPACK indexed field with index 0");
                }
                fieldSeen = true;
            } else if ((first & 0xc0) == 0x40) {
                literal(block, end, position, 6);
                fieldSeen = true;
            } else if ((first & 0xe0) == 0x20) {
                if (fieldSeen) {
                    throw connection(COMPRESSION_ERROR, "HPACK dynamic table size update after a field");
                }
                int size = integer(block, end, position, 5);
                if (size > maxTableSize) {
                    throw connection(COMPRESSION_ERROR, "HPACK table size update %d exceeds SETTINGS_HEADER_TABLE_SIZE %d",
                            size, maxTableSize);
                }
            } else {
                literal(block, end, position, 4);
                fieldSeen = true;
            }
        }
    }

    private static void literal(byte[] block, int end, int[] position, int prefixBits) throws ConnectionError {
        if (integer(block, end, position, prefixBits) == 0) {
            string(block, end, position);
        }
        string(block, end, position);
    }

    private static void string(byte[] block, int end, int[] position) throws ConnectionError {
        boolean huffman = position[0] < end && (block[position[0]] & 0x80) != 0;
        int length = integer(block, end, position, 7);
        if (length > end - position[0]) {
            throw connection(COMPRESSION_ERROR, "HPACK string of %d octets runs past the block", length);
        }
        if (huffman) {
            HuffmanCheck.check(block, position[0], length);
        }
        position[0] += length;
    }

    /** RFC 7541 §5.1, reading from {@code position[0]} and advancing it. */
    private static int integer(byte[] block, int end, int[] position, int prefixBits) throws ConnectionError {
        if (position[0] >= end) {
            throw connection(COMPRESSION_ERROR, "HPACK block ends inside a representation");
        }
        int mask = (1 << prefixBits) - 1;
        int value = block[position[0]++] & mask;
        if (value < mask) {
            return value;
        }
        int shift = 0;
        while (true) {
            if (position[0] >= end) {
                throw connection(COMPRESSION_ERROR, "HPACK block ends inside an integer");
            }
            int next = block[position[0]++] & 0xff;
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
