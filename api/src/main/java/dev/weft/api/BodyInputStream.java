package dev.weft.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** An {@link InputStream} over a {@link Body}'s data; trailers are skipped. One reader. */
final class BodyInputStream extends InputStream {
    private final Body body;
    private ByteBuffer current = ByteBuffer.allocate(0);
    private boolean ended;

    BodyInputStream(Body body) {
        this.body = body;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current.get() & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, target.length);
        if (length == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int count = Math.min(length, current.remaining());
        current.get(target, offset, count);
        return count;
    }

    @Override
    public int available() {
        return current.remaining();
    }

    @Override
    public void close() {
        ended = true;
        body.close();
    }

    private boolean fill() throws IOException {
        while (!current.hasRemaining()) {
            if (ended) {
                return false;
            }
            switch (body.next()) {
                case StreamContent.Data data -> current = data.bytes();
                case StreamContent.Trailers ignored -> { }
                case StreamContent.End ignored -> ended = true;
            }
        }
        return true;
    }
}
