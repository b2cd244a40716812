package dev.weft.http2.core;

/** An error confined to one stream: answered with RST_STREAM carrying {@link #code()}. */
public final class StreamError extends Http2Exception {
    private static final long serialVersionUID = 1L;

    private final int streamId;

    StreamError(int streamId, ErrorCode code, String message) {
        super(code, message);
        this.streamId = streamId;
    }

    /** @return the stream to reset */
    public int streamId() {
        return streamId;
    }

    @Override
    public String toString() {
        return "stream " + streamId + " error " + code() + ": " + getMessage();
    }
}
