package dev.weft.wireproto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The sans-IO client side: makes the frames of a command (arguments split across frames with
 * the continuation flag when a value does not fit; data split into frames) and turns the
 * server's frames into {@link ClientEvent}s. No sockets, threads or clocks. In revision
 * {@code 0002} the caller picks each command's request id and events carry the id they answer.
 *
 * <p>Threading: not thread-safe; one owner.
 */
public final class ClientReactor {
    private static final int ARGUMENT_HEADER_LENGTH = 4;

    private final WireprotoLimits limits;
    private final FramingRevision revision;
    private final FrameDecoder decoder;
    private boolean failed;

    /** A revision {@code 0001} client. @param limits frame sizes: {@code sendFrameLength} for ours, {@code maxReceiveFrameLength} for the server's */
    public ClientReactor(WireprotoLimits limits) {
        this(limits, FramingRevision.EXP_0001);
    }

    /**
     * @param limits frame sizes: {@code sendFrameLength} for ours, {@code maxReceiveFrameLength} for the server's
     * @param revision the protocol revision to speak
     */
    public ClientReactor(WireprotoLimits limits, FramingRevision revision) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.revision = Objects.requireNonNull(revision, "revision is null");
        this.decoder = new FrameDecoder(revision, limits.maxReceiveFrameLength());
    }

    /** @return the protocol revision spoken */
    public FramingRevision revision() {
        return revision;
    }

    /**
     * The frames that start a command: its name, then its arguments (the last with
     * {@code eoa}). Data, if announced, follows with {@link #dataFrames}.
     *
     * @param hasData whether data frames will follow
     * @throws IllegalArgumentException for an empty or oversize name, or an argument name or
     *     value over 65535 bytes
     */
    public List<Frame> commandFrames(String name, List<Argument> arguments, boolean hasData) {
        return commandFrames(0, name, arguments, hasData);
    }

    /**
     * As {@link #commandFrames(String, List, boolean)}, every frame carrying {@code requestId}.
     *
     * @throws IllegalArgumentException also for a request id outside 0..65535, or other than 0
     *     in revision {@code 0001}
     */
    public List<Frame> commandFrames(int requestId, String name, List<Argument> arguments, boolean hasData) {
        checkRequestId(requestId);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int frameLength = limits.sendFrameLength();
        if (nameBytes.length == 0 || nameBytes.length > frameLength) {
            throw new IllegalArgumentException("command name must be 1.." + frameLength + " bytes: " + nameBytes.length);
        }
        int flags = (arguments.isEmpty() ? 0 : FrameFlags.COMMAND_NAME_HAVE_ARGS) | (hasData ? FrameFlags.COMMAND_NAME_HAVE_DATA : 0);
        List<Frame> frames = new ArrayList<>();
        frames.add(new Frame(requestId, FrameType.COMMAND_NAME, flags == 0 ? FrameFlags.COMMAND_NAME_EOS : flags, nameBytes));
        for (int i = 0; i < arguments.size(); i++) {
            addArgument(frames, requestId, arguments.get(i), i == arguments.size() - 1, frameLength);
        }
        return frames;
    }

    private void checkRequestId(int requestId) {
        if (requestId < 0 || requestId > FramingRevision.MAX_REQUEST_ID || !revision.hasRequestIds() && requestId != 0) {
            throw new IllegalArgumentException("request id " + requestId + " is not one of revision " + revision.number());
        }
    }

    private static void addArgument(List<Frame> frames, int requestId, Argument argument, boolean lastArgument,
                                    int frameLength) {
        byte[] name = argument.name().getBytes(StandardCharsets.UTF_8);
        byte[] value = argument.value();
        if (name.length > 0xffff || value.length > 0xffff) {
            throw new IllegalArgumentException("argument name and value must be at most 65535 bytes: " + argument.name());
        }
        if (ARGUMENT_HEADER_LENGTH + name.length > frameLength) {
            throw new IllegalArgumentException("argument name does not fit a frame: " + argument.name());
        }
        int endFlag = lastArgument ? FrameFlags.ARGUMENT_EOA : 0;
        int firstValue = Math.min(value.length, frameLength - ARGUMENT_HEADER_LENGTH - name.length);
        boolean spans = firstValue < value.length;
        ByteBuffer first = ByteBuffer.allocate(ARGUMENT_HEADER_LENGTH + name.length + firstValue).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) name.length).putShort((short) value.length).put(name).put(value, 0, firstValue);
        frames.add(new Frame(requestId, FrameType.COMMAND_ARGUMENT, spans ? FrameFlags.ARGUMENT_CONTINUATION : endFlag,
                first.array()));
        int offset = firstValue;
        while (offset < value.length) {
            int take = Math.min(frameLength, value.length - offset);
            boolean more = offset + take < value.length;
            frames.add(new Frame(requestId, FrameType.COMMAND_ARGUMENT, more ? FrameFlags.ARGUMENT_CONTINUATION : endFlag,
                    java.util.Arrays.copyOfRange(value, offset, offset + take)));
            offset += take;
        }
    }

    /**
     * Command data frames for {@code chunk}, split at the frame size.
     *
     * @param last whether this chunk ends the data ({@code eos} on its last frame; an empty
     *     last chunk is one empty {@code eos} frame)
     */
    public List<Frame> dataFrames(ByteBuffer chunk, boolean last) {
        return dataFrames(0, chunk, last);
    }

    /** As {@link #dataFrames(ByteBuffer, boolean)}, every frame carrying {@code requestId}. */
    public List<Frame> dataFrames(int requestId, ByteBuffer chunk, boolean last) {
        checkRequestId(requestId);
        List<Frame> frames = new ArrayList<>();
        int frameLength = limits.sendFrameLength();
        do {
            byte[] payload = new byte[Math.min(frameLength, chunk.remaining())];
            chunk.get(payload);
            boolean end = last && !chunk.hasRemaining();
            if (payload.length > 0 || end) {
                frames.add(new Frame(requestId, FrameType.COMMAND_DATA, end ? FrameFlags.DATA_EOS : FrameFlags.DATA_CONTINUATION,
                        payload));
            }
        } while (chunk.hasRemaining());
        return frames;
    }

    /**
     * Bytes from the server.
     *
     * @return the events, in order; after a {@code MalformedResponse} or
     *     {@code ServerProtocolError} nothing more
     */
    public List<ClientEvent> receive(ByteBuffer bytes) {
        List<ClientEvent> events = new ArrayList<>();
        if (failed) {
            return events;
        }
        try {
            decoder.decode(bytes, frame -> {
                if (!failed) {
                    events.add(onFrame(frame));
                }
            });
        } catch (WireprotoException e) {
            if (!failed) {
                failed = true;
                events.add(new ClientEvent.MalformedResponse(e.getMessage()));
            }
        }
        return events;
    }

    /**
     * The server's output ended.
     *
     * @return a {@code MalformedResponse} if it ended inside a frame, else nothing
     */
    public List<ClientEvent> onInputEnd() {
        if (failed) {
            return List.of();
        }
        try {
            decoder.finish();
            return List.of();
        } catch (WireprotoException e) {
            failed = true;
            return List.of(new ClientEvent.MalformedResponse(e.getMessage()));
        }
    }

    private ClientEvent onFrame(Frame frame) {
        int undefined = frame.flags() & ~frame.type().definedFlags();
        ClientEvent event = switch (frame.type()) {
            case BYTES_RESPONSE -> {
                boolean continuation = frame.has(FrameFlags.BYTES_CONTINUATION);
                boolean eos = frame.has(FrameFlags.BYTES_EOS);
                if (undefined != 0 || continuation == eos) {
                    yield new ClientEvent.MalformedResponse("bytes-response frame with flags "
                            + FrameFlags.describe(frame.type(), frame.flags()) + ": need exactly one of continuation, eos");
                }
                yield new ClientEvent.ResponseData(frame.requestId(), ByteBuffer.wrap(frame.payload()), eos);
            }
            case ERROR_RESPONSE -> {
                if (frame.flags() == FrameFlags.ERROR_PROTOCOL) {
                    yield new ClientEvent.ServerProtocolError(frame.payloadText());
                }
                if (frame.flags() == FrameFlags.ERROR_APPLICATION) {
                    yield new ClientEvent.ApplicationError(frame.requestId(), frame.payloadText());
                }
                yield new ClientEvent.MalformedResponse("error-response frame with flags "
                        + FrameFlags.describe(frame.type(), frame.flags()) + ": need exactly one of protocol, application");
            }
            case COMMAND_NAME, COMMAND_ARGUMENT, COMMAND_DATA ->
                    new ClientEvent.MalformedResponse("server sent a " + frame.type().wireName() + " frame");
        };
        if (event instanceof ClientEvent.MalformedResponse || event instanceof ClientEvent.ServerProtocolError) {
            failed = true;
        }
        return event;
    }
}
