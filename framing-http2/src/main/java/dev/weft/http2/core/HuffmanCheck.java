package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.COMPRESSION_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;

import java.lang.reflect.Field;

/**
 * RFC 7541 §5.2 checks on a Huffman-coded string that {@code com.twitter.hpack} 1.0.2 does not
 * make reliably: the EOS symbol never appears, and the padding is at most 7 bits, all ones.
 * The code table is the library's own ({@code HpackUtil.HUFFMAN_CODES}), read once, so the two
 * can never disagree.
 *
 * <p>The codes are walked bit by bit down a binary trie held in one {@code int} array (no boxing,
 * no hashing: this runs for every Huffman string of every request).
 *
 * <p>Threading: immutable after class initialisation.
 */
final class HuffmanCheck {
    private static final int EOS = 256;
    /**
     * The trie: node {@code n}'s children are at {@code 2n} (bit 0) and {@code 2n + 1} (bit 1);
     * a child {@code > 0} is the next node, {@code < 0} a leaf holding {@code -1 - symbol}, 0 none.
     */
    private static final int[] TRIE;

    static {
        try {
            Class<?> util = Class.forName("com.twitter.hpack.HpackUtil");
            Field codesField = util.getDeclaredField("HUFFMAN_CODES");
            Field lengthsField = util.getDeclaredField("HUFFMAN_CODE_LENGTHS");
            codesField.setAccessible(true);
            lengthsField.setAccessible(true);
            TRIE = build((int[]) codesField.get(null), (byte[]) lengthsField.get(null));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private HuffmanCheck() {
    }

    private static int[] build(int[] codes, byte[] lengths) {
        int[] trie = new int[2 * 2 * codes.length]; // a complete code of n leaves has n - 1 inner nodes
        int nodes = 1; // node 0 is the root
        for (int symbol = 0; symbol < codes.length; symbol++) {
            int node = 0;
            for (int bit = lengths[symbol] - 1; bit >= 0; bit--) {
                int slot = 2 * node + ((codes[symbol] >>> bit) & 1);
                if (bit == 0) {
                    trie[slot] = -1 - symbol;
                } else {
                    if (trie[slot] == 0) {
                        trie[slot] = nodes++;
                    }
                    node = trie[slot];
                }
            }
        }
        return trie;
    }

    static void check(byte[] block, int offset, int length) throws ConnectionError {
        int node = 0;
        int bits = 0; // bits read since the last complete symbol
        boolean allOnes = true; // ... and whether they were all ones (the EOS prefix)
        for (int i = offset; i < offset + length; i++) {
            for (int bit = 7; bit >= 0; bit--) {
                int b = (block[i] >> bit) & 1;
                int next = TRIE[2 * node + b];
                bits++;
                allOnes &= b == 1;
                if (next < 0) {
                    if (-1 - next == EOS) {
                        throw connection(COMPRESSION_ERROR, "HPACK Huffman string contains EOS");
                    }
                    node = 0;
                    bits = 0;
                    allOnes = true;
                } else if (next == 0) {
                    throw connection(COMPRESSION_ERROR, "HPACK Huffman code not in the table");
                } else {
                    node = next;
                }
            }
        }
        if (bits > 7) {
            throw connection(COMPRESSION_ERROR, "HPACK Huffman padding longer than 7 bits");
        }
        if (!allOnes) {
            throw connection(COMPRESSION_ERROR, "HPACK Huffman padding is not the EOS prefix");
        }
    }
}
