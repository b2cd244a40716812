package dev.weft.http2.core;

import java.nio.ByteBuffer;

/**
 * Encodes {@link Frame}s into buffers for a gathering write: a 9-octet header buffer plus the
 * payload, whose data is never copied (DATA and header-block fragments are handed on as they
 * are). The writer checks nothing about protocol state; its callers do.
 *
 * <p>Threading: stateless.
 */
public final class FrameWriter {
    private static final byte[] ZEROS = new byte[256];

    private FrameWriter() {
    }

    /** @return the 9-octet frame header, ready to read */
    public static ByteBuffer header(int length, int type, int flags, int streamId) {
        if (length < 0 || length > FrameReader.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("frame length out of range: " + length);
        }
        ByteBuffer header = ByteBuffer.allocate(FrameReader.HEADER_LENGTH);
        header.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length)
                .put((byte) type).put((byte) flags).putInt(streamId & Frame.MAX_31_BIT);
        return header.flip();
    }

    /**
     * @return the frame's bytes: header first, then payload parts; the caller sends them in order
     *     and must not change the data buffers until they are sent
     */
    public static ByteBuffer[] encode(Frame frame) {
        return switch (frame) {
            case Frame.Data data -> padded(FrameType.DATA.code(),
                    data.endStream() ? FrameType.FLAG_END_STREAM : 0, data.streamId(), null,
                    data.data().duplicate(), data.padding());
            case Frame.Headers headers -> {
                int flags = (headers.endStream() ? FrameType.FLAG_END_STREAM : 0)
                        | (headers.endHeaders() ? FrameType.FLAG_END_HEADERS : 0);
                ByteBuffer fields = null;
                if (headers.priority() != null) {
                    flags |= FrameType.FLAG_PRIORITY;
                    fields = priority(headers.priority());
                }
                yield padded(FrameType.HEADERS.code(), flags, headers.streamId(), fields,
                        headers.fragment().duplicate(), headers.padding());
            }
            case Frame.Priority priority -> single(FrameType.PRIORITY.code(), 0, priority.streamId(),
                    priority(priority.priority()));
            case Frame.RstStream rst -> single(FrameType.RST_STREAM.code(), 0, rst.streamId(),
                    ByteBuffer.allocate(4).putInt((int) rst.errorCode()).flip());
            case Frame.Settings settings -> {
                ByteBuffer payload = ByteBuffer.allocate(settings.settings().size() * 6);
                for (Frame.Setting setting : settings.settings()) {
                    payload.putShort((short) setting.id()).putInt((int) setting.value());
                }
                yield single(FrameType.SETTINGS.code(), settings.ack() ? FrameType.FLAG_ACK : 0, 0, payload.flip());
            }
            case Frame.PushPromise push -> padded(FrameType.PUSH_PROMISE.code(),
                    push.endHeaders() ? FrameType.FLAG_END_HEADERS : 0, push.streamId(),
                    ByteBuffer.allocate(4).putInt(push.promisedStreamId()).flip(), push.fragment().duplicate(),
                    push.padding());
            case Frame.Ping ping -> single(FrameType.PING.code(), ping.ack() ? FrameType.FLAG_ACK : 0, 0,
                    ByteBuffer.allocate(8).putLong(ping.opaqueData()).flip());
            case Frame.GoAway goAway -> {
                ByteBuffer debug = goAway.debugData().duplicate();
                ByteBuffer payload = ByteBuffer.allocate(8 + debug.remaining());
                payload.putInt(goAway.lastStreamId()).putInt((int) goAway.errorCode()).put(debug);
                yield single(FrameType.GOAWAY.code(), 0, 0, payload.flip());
            }
            case Frame.WindowUpdate update -> single(FrameType.WINDOW_UPDATE.code(), 0, update.streamId(),
                    ByteBuffer.allocate(4).putInt(update.increment()).flip());
            case Frame.Continuation continuation -> single(FrameType.CONTINUATION.code(),
                    continuation.endHeaders() ? FrameType.FLAG_END_HEADERS : 0, continuation.streamId(),
                    continuation.fragment().duplicate());
            case Frame.Unknown unknown -> single(unknown.type(), unknown.flags(), unknown.streamId(),
                    ByteBuffer.allocate(unknown.length()));
        };
    }

    /** @return all of {@code frame}'s bytes in one buffer (for tests and small control frames) */
    public static ByteBuffer encodeToBuffer(Frame frame) {
        ByteBuffer[] parts = encode(frame);
        int total = 0;
        for (ByteBuffer part : parts) {
            total += part.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        for (ByteBuffer part : parts) {
            all.put(part.duplicate());
        }
        return all.flip();
    }

    private static ByteBuffer priority(Frame.PriorityInfo info) {
        int word = info.dependency() | (info.exclusive() ? 0x8000_0000 : 0);
        return ByteBuffer.allocate(5).putInt(word).put((byte) (info.weight() - 1)).flip();
    }

    private static ByteBuffer[] single(int type, int flags, int streamId, ByteBuffer payload) {
        return new ByteBuffer[] {header(payload.remaining(), type, flags, streamId), payload};
    }

    private static ByteBuffer[] padded(int type, int flags, int streamId, ByteBuffer fields, ByteBuffer data,
                                       int padding) {
        if (padding < 0 || padding > 256) {
            throw new IllegalArgumentException("padding must be 0..256: " + padding);
        }
        int fieldLength = fields == null ? 0 : fields.remaining();
        int length = padding + fieldLength + data.remaining();
        if (padding == 0) {
            ByteBuffer header = header(length, type, flags, streamId);
            return fields == null ? new ByteBuffer[] {header, data} : new ByteBuffer[] {header, fields, data};
        }
        ByteBuffer head = ByteBuffer.allocate(FrameReader.HEADER_LENGTH + 1 + fieldLength);
        head.put(header(length, type, flags | FrameType.FLAG_PADDED, streamId)).put((byte) (padding - 1));
        if (fields != null) {
            head.put(fields);
        }
        return new ByteBuffer[] {head.flip(), data, ByteBuffer.wrap(ZEROS, 0, padding - 1)};
    }
}
