package dev.weft.http2.core;

import com.twitter.hpack.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes header blocks with {@code com.twitter.hpack}. The dynamic table is shared by every
 * stream in send order (seed 000), so a block must be sent exactly in the order it was encoded:
 * the connection encodes and queues each block in one step on its loop thread.
 *
 * <p>When the peer lowers SETTINGS_HEADER_TABLE_SIZE, the next block starts with the size
 * updates RFC 7541 §4.2 asks for (the smallest value seen, then the final one).
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread.
 */
public final class HeaderBlockEncoder {
    /** Our table never grows past the initial 4,096 octets, whatever the peer allows. */
    public static final int MAX_TABLE_SIZE = 4096;

    private final Encoder encoder = new Encoder(MAX_TABLE_SIZE);
    private int tableSize = MAX_TABLE_SIZE;
    /** Smallest size asked for since the last block, or -1 if none pending. */
    private int pendingSmallest = -1;
    private int pendingFinal = -1;

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
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + fields.size() * 16);
        try {
            if (pendingSmallest >= 0) {
                if (pendingSmallest < pendingFinal) {
                    encoder.setMaxHeaderTableSize(out, pendingSmallest);
                }
                encoder.setMaxHeaderTableSize(out, pendingFinal);
                tableSize = pendingFinal;
                pendingSmallest = -1;
                pendingFinal = -1;
            }
            for (HeaderField field : fields) {
                encoder.encodeHeader(out, field.name().getBytes(StandardCharsets.ISO_8859_1),
                        field.value().getBytes(StandardCharsets.ISO_8859_1), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
