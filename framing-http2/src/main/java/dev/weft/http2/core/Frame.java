package dev.weft.http2.core;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * One HTTP/2 frame (RFC 9113 §6) as a value. The reader produces these, the writer encodes them,
 * and the connection dispatches on them with one exhaustive {@code switch}.
 *
 * <p>Payload buffers are owned by whoever holds the record; the reader hands out fresh buffers.
 * Padding is described by {@code padding}: the octets spent on padding <em>including</em> the
 * one-octet Pad Length field, so 0 means "no PADDED flag" and the flow-controlled length of a
 * DATA frame is {@code data.remaining() + padding}.
 */
public sealed interface Frame {

    /** @return the stream identifier (0 for connection frames) */
    int streamId();

    /** Largest stream identifier / window value: 2^31 - 1. */
    int MAX_31_BIT = 0x7fff_ffff;

    /** DATA (§6.1). */
    record Data(int streamId, ByteBuffer data, boolean endStream, int padding) implements Frame {
        /** @throws NullPointerException if data is null */
        public Data {
            Objects.requireNonNull(data, "data is null");
        }

        /** @return an unpadded DATA frame */
        public static Data of(int streamId, ByteBuffer data, boolean endStream) {
            return new Data(streamId, data, endStream, 0);
        }

        /** @return the octets counted against flow-control windows (data plus padding) */
        public int flowControlledLength() {
            return data.remaining() + padding;
        }
    }

    /** Stream dependency fields of PRIORITY and of HEADERS with the PRIORITY flag (§5.3, deprecated). */
    record PriorityInfo(int dependency, boolean exclusive, int weight) {
    }

    /** HEADERS (§6.2); {@code priority} is null unless the PRIORITY flag is set. */
    record Headers(int streamId, ByteBuffer fragment, boolean endStream, boolean endHeaders, PriorityInfo priority,
                   int padding) implements Frame {
        /** @throws NullPointerException if fragment is null */
        public Headers {
            Objects.requireNonNull(fragment, "fragment is null");
        }
    }

    /** PRIORITY (§6.3): parsed and ignored, RFC 9113 deprecates the scheme. */
    record Priority(int streamId, PriorityInfo priority) implements Frame {
    }

    /** RST_STREAM (§6.4); the code stays raw because unknown codes are legal. */
    record RstStream(int streamId, long errorCode) implements Frame {
    }

    /** One setting as sent; {@code id} may be unknown. */
    record Setting(int id, long value) {
    }

    /** SETTINGS (§6.5); an ACK carries no settings. */
    record Settings(boolean ack, List<Setting> settings) implements Frame {
        /** Copies the list. */
        public Settings {
            settings = List.copyOf(settings);
        }

        @Override
        public int streamId() {
            return 0;
        }
    }

    /** PUSH_PROMISE (§6.6): a server never accepts one from a client. */
    record PushPromise(int streamId, int promisedStreamId, ByteBuffer fragment, boolean endHeaders, int padding)
            implements Frame {
    }

    /** PING (§6.7). */
    record Ping(boolean ack, long opaqueData) implements Frame {
        @Override
        public int streamId() {
            return 0;
        }
    }

    /** GOAWAY (§6.8). */
    record GoAway(int lastStreamId, long errorCode, ByteBuffer debugData) implements Frame {
        @Override
        public int streamId() {
            return 0;
        }
    }

    /** WINDOW_UPDATE (§6.9); an increment of 0 is kept so the connection can reject it by scope. */
    record WindowUpdate(int streamId, int increment) implements Frame {
    }

    /** CONTINUATION (§6.10). */
    record Continuation(int streamId, ByteBuffer fragment, boolean endHeaders) implements Frame {
    }

    /** A frame of an extension type (§5.5): its payload is skipped, the frame otherwise ignored. */
    record Unknown(int type, int flags, int streamId, int length) implements Frame {
    }
}
