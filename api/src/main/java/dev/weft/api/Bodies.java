package dev.weft.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.OptionalLong;

/** Small {@link Body} implementations behind the factories on {@code Body}. */
final class Bodies {
    static final Body EMPTY = new Body() {
        @Override
        public StreamContent next() {
            return StreamContent.END;
        }

        @Override
        public OptionalLong contentLength() {
            return OptionalLong.of(0);
        }
    };

    private Bodies() {
    }

    static Body ofBuffer(ByteBuffer buffer) {
        long length = buffer.remaining();
        return new Body() {
            private ByteBuffer remaining = buffer;

            @Override
            public synchronized StreamContent next() {
                ByteBuffer chunk = remaining;
                remaining = null;
                return chunk == null || !chunk.hasRemaining()
                        ? StreamContent.END
                        : new StreamContent.Data(chunk);
            }

            @Override
            public OptionalLong contentLength() {
                return OptionalLong.of(length);
            }

            @Override
            public synchronized void close() {
                remaining = null;
            }
        };
    }

    static Body fromInputStream(InputStream in) {
        return new Body() {
            private boolean ended;

            @Override
            public synchronized StreamContent next() throws IOException {
                if (ended) {
                    return StreamContent.END;
                }
                byte[] chunk = in.readNBytes(16 * 1024);
                if (chunk.length == 0) {
                    ended = true;
                    in.close();
                    return StreamContent.END;
                }
                return StreamContent.Data.of(chunk);
            }

            @Override
            public synchronized void close() {
                ended = true;
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing a source we no longer read: nothing useful to do with the error
                }
            }
        };
    }

    static Body withTrailers(Body body, Headers trailers) {
        return new Body() {
            private boolean trailersSent;

            @Override
            public StreamContent next() throws IOException {
                StreamContent content = body.next();
                if (content instanceof StreamContent.End && !trailersSent) {
                    trailersSent = true;
                    return new StreamContent.Trailers(trailers);
                }
                return content;
            }

            @Override
            public OptionalLong contentLength() {
                return body.contentLength();
            }

            @Override
            public void close() {
                body.close();
            }
        };
    }
}
