package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.FRAME_SIZE_ERROR;
import static dev.weft.http2.core.ErrorCode.PROTOCOL_ERROR;
import static dev.weft.http2.core.Http2Exception.connection;
import static dev.weft.http2.core.Http2Exception.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns bytes into {@link Frame}s, however the bytes are split across reads (RFC 9113 §4).
 *
 * <p>Checks made here are the ones a frame carries on its own: its length against our
 * SETTINGS_MAX_FRAME_SIZE and against the fixed sizes of §6, its stream identifier against the
 * type's scope, padding against the payload, and setting values (§6.5.2). Rules that need
 * connection state (stream states, header-block sequencing) belong to {@link ServerConnection}.
 * An extension frame type is skipped without buffering its payload (§5.5); unknown flags are
 * ignored (§4.1) and the reserved bit of every stream identifier is masked off.
 *
 * <p>After a {@link StreamError} the offending frame has been consumed and reading may go on;
 * after a {@link ConnectionError} the reader must not be used again.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread.
 */
public final class FrameReader {
    /** The fixed frame header: length (24), type (8), flags (8), R + stream id (32). */
    public static final int HEADER_LENGTH = 9;
    /** The smallest SETTINGS_MAX_FRAME_SIZE (§6.5.2), also the initial value. */
    public static final int MIN_MAX_FRAME_SIZE = 16_384;
    /** The largest SETTINGS_MAX_FRAME_SIZE (§6.5.2): 2^24 - 1. */
    public static final int MAX_MAX_FRAME_SIZE = 16_777_215;

    private final int maxFrameSize;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH);
    /** Payload being filled; null while reading a header or skipping an unknown frame. */
    private ByteBuffer payload;
    /** Payload bytes of an unknown frame still to skip. */
    private int skipRemaining;
    private int length;
    private int typeCode;
    private int flags;
    private int streamId;
    private boolean inFrame;

    /**
     * @param maxFrameSize the SETTINGS_MAX_FRAME_SIZE we advertised: larger frames are a
     *     FRAME_SIZE_ERROR
     */
    public FrameReader(int maxFrameSize) {
        if (maxFrameSize < MIN_MAX_FRAME_SIZE || maxFrameSize > MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size out of range: " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * Reads at most one frame from {@code in}, keeping a partial frame for the next call.
     *
     * @param in bytes from the peer; consumed as far as they go
     * @return the next frame, or {@code null} if {@code in} ran out first
     * @throws Http2Exception if the frame breaks a rule of §4 or §6
     */
    public Frame next(ByteBuffer in) throws Http2Exception {
        if (!inFrame) {
            while (header.hasRemaining() && in.hasRemaining()) {
                header.put(in.get());
            }
            if (header.hasRemaining()) {
                return null;
            }
            header.flip();
            length = ((header.get() & 0xff) << 16) | ((header.get() & 0xff) << 8) | (header.get() & 0xff);
            typeCode = header.get() & 0xff;
            flags = header.get() & 0xff;
            streamId = header.getInt() & Frame.MAX_31_BIT;
            header.clear();
            inFrame = true;
            checkHeader();
            if (FrameType.of(typeCode) == null) {
                skipRemaining = length;
            } else {
                payload = ByteBuffer.allocate(length);
            }
        }
        if (payload == null) {
            int skip = Math.min(skipRemaining, in.remaining());
            in.position(in.position() + skip);
            skipRemaining -= skip;
            if (skipRemaining > 0) {
                return null;
            }
            inFrame = false;
            return new Frame.Unknown(typeCode, flags, streamId, length);
        }
        int take = Math.min(payload.remaining(), in.remaining());
        payload.put(payload.position(), in, in.position(), take);
        payload.position(payload.position() + take);
        in.position(in.position() + take);
        if (payload.hasRemaining()) {
            return null;
        }
        ByteBuffer complete = payload.flip();
        payload = null;
        inFrame = false;
        return parse(FrameType.of(typeCode), complete);
    }

    /** @return whether a frame has been started and not finished */
    public boolean isMidFrame() {
        return inFrame || header.position() > 0;
    }

    private void checkHeader() throws Http2Exception {
        FrameType type = FrameType.of(typeCode);
        if (length > maxFrameSize) {
            // §4.2: a frame over our limit may alter connection state (a field block), so the
            // connection is ended whatever the type; skipping megabytes is not worth the risk.
            throw connection(FRAME_SIZE_ERROR, "frame length %d exceeds SETTINGS_MAX_FRAME_SIZE %d", length, maxFrameSize);
        }
        if (type == null) {
            return;
        }
        switch (type.scope()) {
            case STREAM -> {
                if (streamId == 0) {
                    throw connection(PROTOCOL_ERROR, "%s frame on stream 0", type);
                }
            }
            case CONNECTION -> {
                if (streamId != 0) {
                    throw connection(PROTOCOL_ERROR, "%s frame on stream %d, must be 0", type, streamId);
                }
            }
            case EITHER -> {
            }
        }
        switch (type) {
            case RST_STREAM, WINDOW_UPDATE, PING -> {
                if (length != type.fixedLength()) {
                    throw connection(FRAME_SIZE_ERROR, "%s length %d, must be %d", type, length, type.fixedLength());
                }
            }
            case SETTINGS -> {
                if ((flags & FrameType.FLAG_ACK) != 0 && length != 0) {
                    throw connection(FRAME_SIZE_ERROR, "SETTINGS ACK with length %d, must be 0", length);
                }
                if (length % 6 != 0) {
                    throw connection(FRAME_SIZE_ERROR, "SETTINGS length %d is not a multiple of 6", length);
                }
            }
            case GOAWAY -> {
                if (length < 8) {
                    throw connection(FRAME_SIZE_ERROR, "GOAWAY length %d, must be at least 8", length);
                }
            }
            default -> {
            }
        }
    }

    private Frame parse(FrameType type, ByteBuffer p) throws Http2Exception {
        return switch (type) {
            case DATA -> {
                int padding = padding(type, p, 0);
                yield new Frame.Data(streamId, p.slice(p.position(), p.remaining() - trailingPad(padding)),
                        (flags & FrameType.FLAG_END_STREAM) != 0, padding);
            }
            case HEADERS -> {
                boolean hasPriority = (flags & FrameType.FLAG_PRIORITY) != 0;
                int padding = padding(type, p, hasPriority ? 5 : 0);
                Frame.PriorityInfo priority = hasPriority ? priorityInfo(p) : null;
                yield new Frame.Headers(streamId, p.slice(p.position(), p.remaining() - trailingPad(padding)),
                        (flags & FrameType.FLAG_END_STREAM) != 0, (flags & FrameType.FLAG_END_HEADERS) != 0,
                        priority, padding);
            }
            case PRIORITY -> {
                if (p.remaining() != 5) {
                    throw stream(streamId, FRAME_SIZE_ERROR, "PRIORITY length %d, must be 5", p.remaining());
                }
                yield new Frame.Priority(streamId, priorityInfo(p));
            }
            case RST_STREAM -> new Frame.RstStream(streamId, p.getInt() & 0xffff_ffffL);
            case SETTINGS -> {
                List<Frame.Setting> settings = new ArrayList<>(p.remaining() / 6);
                while (p.hasRemaining()) {
                    Frame.Setting setting = new Frame.Setting(p.getShort() & 0xffff, p.getInt() & 0xffff_ffffL);
                    validate(setting);
                    settings.add(setting);
                }
                yield new Frame.Settings((flags & FrameType.FLAG_ACK) != 0, settings);
            }
            case PUSH_PROMISE -> {
                int padding = padding(type, p, 4);
                int promised = p.getInt() & Frame.MAX_31_BIT;
                yield new Frame.PushPromise(streamId, promised, p.slice(p.position(), p.remaining() - trailingPad(padding)),
                        (flags & FrameType.FLAG_END_HEADERS) != 0, padding);
            }
            case PING -> new Frame.Ping((flags & FrameType.FLAG_ACK) != 0, p.getLong());
            case GOAWAY -> new Frame.GoAway(p.getInt() & Frame.MAX_31_BIT, p.getInt() & 0xffff_ffffL, p.slice());
            case WINDOW_UPDATE -> new Frame.WindowUpdate(streamId, p.getInt() & Frame.MAX_31_BIT);
            case CONTINUATION -> new Frame.Continuation(streamId, p.slice(), (flags & FrameType.FLAG_END_HEADERS) != 0);
        };
    }

    /**
     * Reads the Pad Length octet if PADDED is set and checks it leaves room for {@code fixed}
     * octets of other fields (§6.1, §6.2, §6.6: padding as long as the payload or longer is a
     * PROTOCOL_ERROR).
     *
     * @return the padding octets including the Pad Length field, 0 without PADDED
     */
    private int padding(FrameType type, ByteBuffer p, int fixed) throws Http2Exception {
        if ((flags & FrameType.FLAG_PADDED) == 0) {
            if (p.remaining() < fixed) {
                throw connection(FRAME_SIZE_ERROR, "%s length %d too short for its fields", type, p.remaining());
            }
            return 0;
        }
        if (p.remaining() < 1 + fixed) {
            throw connection(FRAME_SIZE_ERROR, "%s length %d too short for its fields", type, p.remaining());
        }
        int padLength = p.get() & 0xff;
        if (padLength > p.remaining() - fixed) {
            throw connection(PROTOCOL_ERROR, "%s pad length %d exceeds the payload", type, padLength);
        }
        return padLength + 1;
    }

    private static int trailingPad(int padding) {
        return padding == 0 ? 0 : padding - 1;
    }

    private static Frame.PriorityInfo priorityInfo(ByteBuffer p) {
        int word = p.getInt();
        return new Frame.PriorityInfo(word & Frame.MAX_31_BIT, word < 0, (p.get() & 0xff) + 1);
    }

    /** §6.5.2: values outside a setting's range are connection errors. */
    private static void validate(Frame.Setting setting) throws Http2Exception {
        SettingId id = SettingId.of(setting.id());
        if (id == null) {
            return;
        }
        long value = setting.value();
        switch (id) {
            case ENABLE_PUSH -> {
                if (value > 1) {
                    throw connection(PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH %d, must be 0 or 1", value);
                }
            }
            case INITIAL_WINDOW_SIZE -> {
                if (value > Frame.MAX_31_BIT) {
                    throw connection(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE %d exceeds 2^31-1", value);
                }
            }
            case MAX_FRAME_SIZE -> {
                if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
                    throw connection(PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE %d outside 2^14..2^24-1", value);
                }
            }
            default -> {
            }
        }
    }
}
