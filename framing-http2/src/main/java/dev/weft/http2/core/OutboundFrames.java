package dev.weft.http2.core;

import dev.weft.http2.Http2Settings;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The sending side of one connection: the queue of encoded frames for the driver to write, the
 * HPACK encoder, the connection's send window and the peer's frame size, and the commands that
 * put response HEADERS, DATA and resets on the queue (splitting them to the peer's frame size and
 * taking DATA from the windows).
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread, through its
 * {@link ServerConnection}.
 */
final class OutboundFrames {
    /** Reports a connection error found while queueing (a control-frame flood). */
    interface Failure {
        void fail(ErrorCode code, String reason);
    }

    private final StreamTable streams;
    private final FloodGuard guard;
    private final Failure failure;
    private final HeaderBlockEncoder encoder = new HeaderBlockEncoder();
    private final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
    private final OutboundWindow connectionSendWindow = new OutboundWindow(Http2Settings.RFC_INITIAL_WINDOW_SIZE);
    /** The peer's SETTINGS_MAX_FRAME_SIZE. */
    int peerMaxFrameSize = FrameReader.MIN_MAX_FRAME_SIZE;
    /** Set once the connection failed: no stream frame is queued after our GOAWAY. */
    boolean stopped;

    OutboundFrames(StreamTable streams, FloodGuard guard, Failure failure) {
        this.streams = streams;
        this.guard = guard;
        this.failure = failure;
    }

    HeaderBlockEncoder encoder() {
        return encoder;
    }

    OutboundWindow connectionSendWindow() {
        return connectionSendWindow;
    }

    /** The stream if it is live, its response not ended and the connection not failed, else null. */
    StreamTable.Stream sendable(int streamId) {
        return stopped ? null : streams.sendable(streamId);
    }

    boolean sendHeaders(int streamId, List<HeaderField> fields, boolean endStream) {
        StreamTable.Stream s = sendable(streamId);
        if (s == null) {
            return false;
        }
        ByteBuffer block = ByteBuffer.wrap(encoder.encode(fields));
        boolean first = true;
        do {
            int take = Math.min(block.remaining(), peerMaxFrameSize);
            ByteBuffer fragment = block.slice(block.position(), take);
            block.position(block.position() + take);
            boolean last = !block.hasRemaining();
            emit(first ? new Frame.Headers(streamId, fragment, endStream, last, null, 0)
                    : new Frame.Continuation(streamId, fragment, last));
            first = false;
        } while (block.hasRemaining());
        if (endStream) {
            streams.endLocal(s);
        }
        return true;
    }

    int sendWindow(int streamId) {
        StreamTable.Stream s = sendable(streamId);
        if (s == null) {
            return 0;
        }
        return Math.min(s.sendWindow.available(), connectionSendWindow.available());
    }

    boolean sendData(int streamId, ByteBuffer data, boolean endStream) {
        StreamTable.Stream s = sendable(streamId);
        if (s == null) {
            return false;
        }
        int length = data.remaining();
        if (length > sendWindow(streamId)) {
            throw new IllegalArgumentException("DATA of " + length + " exceeds the send window " + sendWindow(streamId));
        }
        do {
            int take = Math.min(data.remaining(), peerMaxFrameSize);
            ByteBuffer chunk = data.slice(data.position(), take);
            data.position(data.position() + take);
            emit(Frame.Data.of(streamId, chunk, endStream && !data.hasRemaining()));
        } while (data.hasRemaining());
        s.sendWindow.take(length);
        connectionSendWindow.take(length);
        if (endStream) {
            streams.endLocal(s);
        }
        return true;
    }

    boolean sendDataHeader(int streamId, int length, boolean endStream) {
        StreamTable.Stream s = sendable(streamId);
        if (s == null) {
            return false;
        }
        if (length > sendWindow(streamId) || length > peerMaxFrameSize) {
            throw new IllegalArgumentException("DATA of " + length + " exceeds the window or frame size");
        }
        output.add(FrameWriter.header(length, FrameType.DATA.code(), endStream ? FrameType.FLAG_END_STREAM : 0, streamId));
        s.sendWindow.take(length);
        connectionSendWindow.take(length);
        if (endStream) {
            streams.endLocal(s);
        }
        return true;
    }

    void resetStream(int streamId, ErrorCode code) {
        StreamTable.Stream s = streams.remove(streamId);
        if (s == null || stopped) {
            return;
        }
        streams.remember(streamId, StreamTable.ClosedBy.WE_RESET);
        emit(new Frame.RstStream(streamId, code.code()));
    }

    ByteBuffer poll() {
        return output.poll();
    }

    boolean isEmpty() {
        return output.isEmpty();
    }

    void emit(Frame frame) {
        for (ByteBuffer part : FrameWriter.encode(frame)) {
            if (part.hasRemaining()) {
                output.add(part);
            }
        }
    }

    /** Queues a frame we owe the peer (SETTINGS ack, PING ack, RST_STREAM): counted against floods. */
    void emitControl(Frame frame) {
        emit(frame);
        try {
            guard.controlFrameQueued();
        } catch (ConnectionError e) {
            failure.fail(e.code(), e.getMessage());
        }
    }
}
