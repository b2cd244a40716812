package dev.weft.body;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The request body as the multipart reader reads it: counts raw bytes against the
 * {@link Quota#MAX_BODY} cap and remembers the first failure (the body's own, e.g. a peer reset,
 * or the cap), so that the parser answers the real cause whatever a later step makes of it.
 *
 * <p>Threading: owned by the parsing thread.
 */
final class GuardedInputStream extends FilterInputStream {
    private final long maxBytes;
    private long count;
    private IOException failure;
    /**
     * @param body the raw body
     * @param maxBytes the raw-bytes cap
     */
    GuardedInputStream(InputStream body, long maxBytes) {
        super(body);
        this.maxBytes = maxBytes;
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
