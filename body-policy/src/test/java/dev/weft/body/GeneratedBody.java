package dev.weft.body;

import dev.weft.api.Body;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * A body generated lazily: a prefix, then {@code length} pseudo-random bytes (or endless ones),
 * then a suffix. Nothing but one chunk is ever held, so a test can stream gigabytes. The same
 * seed and length always give the same bytes, so {@link #content(long, long)} lets a test hash
 * what it sent independently of the parser.
 *
 * <p>Threading: one reader.
 */
final class GeneratedBody implements Body {
    static final long ENDLESS = Long.MAX_VALUE;
    private static final int CHUNK = 64 * 1024;

    private final byte[] prefix;
    private final long length;
    private final byte[] suffix;
    private final byte[] block;
    private final LongConsumer onChunk;
    private long sent;
    private int stage;
    private long produced;

    GeneratedBody(byte[] prefix, long seed, long length, byte[] suffix, LongConsumer onChunk) {
        this.prefix = prefix;
        this.length = length;
        this.suffix = suffix;
        this.block = block(seed);
        this.onChunk = onChunk;
    }

    private static byte[] block(long seed) {
        byte[] bytes = new byte[CHUNK];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Fills {@code target} with the content bytes of the chunk starting at {@code position}. */
    static void fill(byte[] block, long position, byte[] target, int count) {
        if (position % CHUNK != 0) {
            throw new IllegalArgumentException("chunks start at multiples of " + CHUNK + ": " + position);
        }
        // vary each 64 KiB block with its index so that a misplaced or repeated block changes the hash
        byte variation = (byte) (position / CHUNK * 31 + 7);
        for (int i = 0; i < count; i++) {
            target[i] = (byte) (block[i] ^ variation);
        }
    }

    /** Generates the content stream for a seed, for hashing on the test's side. */
    static void content(long seed, long length, java.util.function.BiConsumer<byte[], Integer> sink) {
        byte[] block = block(seed);
        byte[] chunk = new byte[CHUNK];
        for (long position = 0; position < length; position += CHUNK) {
            int count = (int) Math.min(CHUNK, length - position);
            fill(block, position, chunk, count);
            sink.accept(chunk, count);
        }
    }

    /** @return bytes handed out so far */
    long produced() {
        return produced;
    }

    @Override
    public StreamContent next() throws IOException {
        byte[] chunk;
        switch (stage) {
            case 0 -> {
                stage = 1;
                chunk = prefix;
            }
            case 1 -> {
                if (sent >= length) {
                    stage = 2;
                    return next();
                }
                int count = (int) Math.min(CHUNK, length - sent);
                chunk = new byte[count];
                fill(block, sent, chunk, count);
                sent += count;
            }
            case 2 -> {
                stage = 3;
                chunk = suffix;
            }
            default -> {
                return StreamContent.END;
            }
        }
        if (chunk.length == 0) {
            return next();
        }
        produced += chunk.length;
        onChunk.accept(produced);
        return new StreamContent.Data(ByteBuffer.wrap(chunk));
    }
}
