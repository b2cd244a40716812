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
 * server's frames into {@link ClientEvent}s. No sockets, threads or clocks.
 *
 * <p>Threading: not thread-safe; one owner.
 */
public final class ClientReactor {
    private static final int ARGUMENT_HEADER_LENGTH = 4;

    private final WireprotoLimits limits;
    private final FrameDecoder decoder;
    private boolean failed;

    /** @param limits frame sizes: {@code sendFrameLength} for ours, {@code maxReceiveFrameLength} for the server's */
    public ClientReactor(WireprotoLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.decoder = new FrameDecoder(limits.maxReceiveFrameLength());
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
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int frameLength = limits.sendFrameLength();
        if (nameBytes.length == 0 || nameBytes.length > frameLength) {
            throw new IllegalArgumentException("command name must be 1.." + frameLength + " bytes: " + nameBytes.length);
        }
        int flags = (arguments.isEmpty() ? 0 : FrameFlags.COMMAND_NAME_HAVE_ARGS) | (hasData ? FrameFlags.COMMAND_NAME_HAVE_DATA : 0);
        List<Frame> frames = new ArrayList<>();
        frames.add(new Frame(FrameType.COMMAND_NAME, flags == 0 ? FrameFlags.COMMAND_NAME_EOS : flags, nameBytes));
        for (int i = 0; i < arguments.size(); i++) {
            addArgument(frames, arguments.get(i), i == arguments.size() - 1, frameLength);
        }
        return frames;
    }

    private static void addArgument(List<Frame> frames, Argument argument, boolean lastArgument, int frameLength) {
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
        frames.add(new Frame(FrameType.COMMAND_ARGUMENT, spans ? FrameFlags.ARGUMENT_CONTINUATION : endFlag, first.array()));
        int offset = firstValue;
        while (offset < value.length) {
            int take = Math.min(frameLength, value.length - offset);
            boolean more = offset + take < value.length;
            frames.add(new Frame(FrameType.COMMAND_ARGUMENT, more ? FrameFlags.ARGUMENT_CONTINUATION : endFlag,
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
        List<Frame> frames = new ArrayList<>();
        int frameLength = limits.sendFrameLength();
        do {
            byte[] payload = new byte[Math.min(frameLength, chunk.remaining())];
            chunk.get(payload);
            boolean end = last && !chunk.hasRemaining();
            if (payload.length > 0 || end) {
                frames.add(new Frame(FrameType.COMMAND_DATA, end ? FrameFlags.DATA_EOS : FrameFlags.DATA_CONTINUATION, payload));
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
                yield new ClientEvent.ResponseData(ByteBuffer.wrap(frame.payload()), eos);
            }
            case ERROR_RESPONSE -> {
                if (frame.flags() == FrameFlags.ERROR_PROTOCOL) {
                    yield new ClientEvent.ServerProtocolError(frame.payloadText());
                }
                if (frame.flags() == FrameFlags.ERROR_APPLICATION) {
                    yield new ClientEvent.ApplicationError(frame.payloadText());
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
