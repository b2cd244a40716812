package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.COMPRESSION_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;

import com.twitter.hpack.Decoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes whole header blocks with {@code com.twitter.hpack}, guarded as that lenient library
 * needs (issue 3): only complete blocks, structure checked first by {@link HpackBlockScanner},
 * every block decoded to its end so the shared dynamic table stays in step with the peer's
 * encoder even when the list is too large, 32 octets of overhead per field counted against
 * SETTINGS_MAX_HEADER_LIST_SIZE, {@code endHeaderBlock() == true} (fields dropped for size) taken
 * as over the limit, and any decoding failure turned into a COMPRESSION_ERROR.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread.
 */
public final class HeaderBlockDecoder {
    private final Decoder decoder;
    private final int maxHeaderListSize;
    private final int maxTableSize;

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
     * Strings of the octet arrays the library hands us, by array identity: an indexed field
     * comes back as the same arrays of the library's table entry every time, so a request whose
     * fields are all indexed (the usual case on a busy connection) decodes without a new String.
     * The library never changes an array once made. Allocated on the first block.
     */
    private byte[][] cachedOctets;
    private String[] cachedStrings;

    /** What a block decoded to. {@code overLimit} means the fields are incomplete and must not be used. */
    public record Result(List<HeaderField> fields, boolean overLimit) {
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
     * @return the fields in order, or an over-limit marker
     * @throws ConnectionError COMPRESSION_ERROR if the block cannot be decoded
     */
    public Result decode(byte[] block, int offset, int length) throws ConnectionError {
        HpackBlockScanner.scan(block, offset, offset + length, maxTableSize);
        List<HeaderField> fields = new ArrayList<>();
        int[] listSize = {0};
        boolean[] over = {false};
        try {
            decoder.decode(new ByteArrayInputStream(block, offset, length), (name, value, sensitive) -> {
                if (over[0]) {
                    return;
                }
                listSize[0] += name.length + value.length + HeaderField.ENTRY_OVERHEAD;
                if (listSize[0] > maxHeaderListSize) {
                    over[0] = true;
                    fields.clear();
                    return;
                }
                fields.add(new HeaderField(string(name), string(value)));
            });
        } catch (IOException | RuntimeException e) {
            // The library signals bad indexes, bad Huffman and table-size abuse this way.
            decoder.endHeaderBlock();
            throw connection(COMPRESSION_ERROR, "HPACK decoding failed: %s", e.getMessage());
        }
        boolean truncated = decoder.endHeaderBlock();
        return over[0] || truncated ? new Result(List.of(), true) : new Result(fields, false);
    }

    private String string(byte[] octets) {
        if (octets.length > CACHE_MAX_STRING) {
            return new String(octets, StandardCharsets.ISO_8859_1);
        }
        if (cachedOctets == null) {
            cachedOctets = new byte[CACHE_SLOTS][];
            cachedStrings = new String[CACHE_SLOTS];
        }
        int slot = System.identityHashCode(octets) & (CACHE_SLOTS - 1);
        if (cachedOctets[slot] == octets) {
            return cachedStrings[slot];
        }
        String s = new String(octets, StandardCharsets.ISO_8859_1);
        cachedOctets[slot] = octets;
        cachedStrings[slot] = s;
        return s;
    }
}
