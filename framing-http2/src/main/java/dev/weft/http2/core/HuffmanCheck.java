package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.COMPRESSION_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;

/**
 * RFC 7541 §5.2 checks on a Huffman-coded string that {@code com.twitter.hpack} 1.0.2 does not
 * make reliably: the EOS symbol never appears, and the padding is at most 7 bits, all ones.
 * The code table is the library's own ({@code HpackUtil.HUFFMAN_CODES}), read once, so the two
 * can never disagree.
 *
 * <p>Threading: immutable after class initialisation.
 */
final class HuffmanCheck {
    private static final int EOS = 256;
    /** (code length << 32 | code) -> symbol. */
    private static final Map<Long, Integer> SYMBOLS = new HashMap<>();
    private static final int MAX_CODE_LENGTH = 30;

    static {
        try {
            Class<?> util = Class.forName("com.twitter.hpack.HpackUtil");
            Field codesField = util.getDeclaredField("HUFFMAN_CODES");
            Field lengthsField = util.getDeclaredField("HUFFMAN_CODE_LENGTHS");
            codesField.setAccessible(true);
            lengthsField.setAccessible(true);
            int[] codes = (int[]) codesField.get(null);
            byte[] lengths = (byte[]) lengthsField.get(null);
            for (int symbol = 0; symbol < codes.length; symbol++) {
                SYMBOLS.put(((long) lengths[symbol] << 32) | (codes[symbol] & 0xffff_ffffL), symbol);
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private HuffmanCheck() {
    }

    static void check(byte[] block, int offset, int length) throws ConnectionError {
        long code = 0;
        int bits = 0;
        for (int i = offset; i < offset + length; i++) {
            for (int bit = 7; bit >= 0; bit--) {
                code = (code << 1) | ((block[i] >> bit) & 1);
                bits++;
                Integer symbol = SYMBOLS.get(((long) bits << 32) | code);
                if (symbol != null) {
                    if (symbol == EOS) {
                        throw connection(COMPRESSION_ERROR, "HPACK Huffman string contains EOS");
                    }
                    code = 0;
                    bits = 0;
                } else if (bits > MAX_CODE_LENGTH) {
                    throw connection(COMPRESSION_ERROR, "HPACK Huffman code not in the table");
                }
            }
        }
        if (bits > 7) {
            throw connection(COMPRESSION_ERROR, "HPACK Huffman padding longer than 7 bits");
        }
        if (code != (1L << bits) - 1) {
            throw connection(COMPRESSION_ERROR, "HPACK Huffman padding is not the EOS prefix");
        }
    }
}
