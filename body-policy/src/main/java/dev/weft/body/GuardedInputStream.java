package dev.weft.body;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The request body as the multipart library reads it: counts raw bytes against the
 * {@link Quota#MAX_BODY} cap and remembers the first failure (the body's own, e.g. a peer reset,
 * or the cap), because the library wraps some read errors in its own "stream ended
 * unexpectedly" exception and the parser must answer the real cause.
 *
 * <p>Threading: owned by the parsing thread.
 */
final class GuardedInputStream extends FilterInputStream {
    private final long maxBytes;
    private long count;
    private IOException failure;
    /** {@code "--" + boundary}, searched for until first seen; {@code null} once seen. */
    private byte[] delimiter;
    /** KMP failure table for {@link #delimiter}. */
    private int[] fallback;
    /** How many bytes of {@link #delimiter} the input has matched so far. */
    private int matched;

    /**
     * @param body the raw body
     * @param maxBytes the raw-bytes cap
     * @param boundary the multipart boundary, whose first sighting {@link #sawDelimiter()} reports
     *     (the library reads a body without any delimiter as an empty form)
     */
    GuardedInputStream(InputStream body, long maxBytes, byte[] boundary) {
        super(body);
        this.maxBytes = maxBytes;
        if (boundary != null && boundary.length > 0) {
            delimiter = new byte[boundary.length + 2];
            delimiter[0] = '-';
            delimiter[1] = '-';
            System.arraycopy(boundary, 0, delimiter, 2, boundary.length);
            fallback = failureTable(delimiter);
        }
    }

    /** @return whether a {@code --boundary} delimiter went by (always true without a boundary) */
    boolean sawDelimiter() {
        return delimiter == null;
    }

    private static int[] failureTable(byte[] pattern) {
        int[] table = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = table[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            table[i] = k;
        }
        return table;
    }

    private void watch(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length && delimiter != null; i++) {
            while (matched > 0 && bytes[i] != delimiter[matched]) {
                matched = fallback[matched - 1];
            }
            if (bytes[i] == delimiter[matched] && ++matched == delimiter.length) {
                delimiter = null; // seen: stop scanning, the library takes it from here
                fallback = null;
            }
        }
    }

    /** @return the first read failure, or {@code null} */
    IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (failure != null) {
            throw failure;
        }
        int read;
        try {
            read = super.read(target, offset, length);
        } catch (IOException e) {
            failure = e;
            throw e;
        }
        if (read > 0) {
            if (delimiter != null) {
                watch(target, offset, read);
            }
            count += read;
            if (count > maxBytes) {
                failure = new BodyQuotaException(Quota.MAX_BODY, maxBytes, "multipart body");
                throw failure;
            }
        }
        return read;
    }

    @Override
    public long skip(long n) throws IOException {
        // through read() so that skipped bytes are counted too
        byte[] scratch = new byte[(int) Math.min(Math.max(n, 0), 8192)];
        int read = read(scratch, 0, scratch.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
