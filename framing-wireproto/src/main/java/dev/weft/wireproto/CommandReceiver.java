package dev.weft.wireproto;

import dev.weft.wireproto.ServerReactor.State;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The input half of the {@link ServerReactor}: one {@code switch} over (state, frame type)
 * that assembles a command from its name, argument and data frames. It says what to start
 * ({@link ServerAction.RunCommand}) and what data to hand on ({@link ServerAction.CommandData});
 * every breach of the protocol is a {@link WireprotoException} for the reactor to turn into a
 * protocol error.
 *
 * <p>One command is received at a time: its frames come in one run, in either revision. In
 * revision {@code 0002} they all carry the request id of its command-name frame, and that id
 * must not belong to a command still in flight.
 *
 * <p>Threading: not thread-safe; owned by the reactor's owner.
 */
final class CommandReceiver {
    private static final int ARGUMENT_HEADER_LENGTH = 4;

    private final WireprotoLimits limits;
    private final FramingRevision revision;
    /** Says whether a request id belongs to a command in flight (the output half knows). */
    private final IntPredicate requestIdInUse;
    private State state = State.IDLE;

    // The command being received.
    private long nextCommandId = 1;
    private int activeRequestId;
    private String activeName;
    private boolean activeHasData;
    private List<Argument> activeArguments;
    private long activeArgumentBytes;
    private String continuedArgumentName;
    private byte[] continuedArgumentValue;
    private int continuedArgumentFilled;
    /**
     * Empty continuation frames (argument or command data) in a row. They carry nothing, so a
     * peer sending them forever keeps a command open at no cost to itself: the empty-frames
     * flood (as CVE-2019-9518 for HTTP/2). Capped at {@link ServerReactor#MAX_EMPTY_FRAMES_IN_ROW}.
     */
    private int emptyFramesInRow;

    CommandReceiver(WireprotoLimits limits, FramingRevision revision, IntPredicate requestIdInUse) {
        this.limits = limits;
        this.revision = revision;
        this.requestIdInUse = requestIdInUse;
    }

    State state() {
        return state;
    }

    /** The peer broke the protocol: nothing more is read. */
    void fail() {
        state = State.FAILED;
    }

    /** @return the name of the command being received, for messages */
    String activeName() {
        return activeName;
    }

    /** @return the actions for one frame ({@link ServerAction#WANT_FRAME} when nothing is due) */
    List<ServerAction> onFrame(Frame frame) throws WireprotoException {
        return switch (state) {
            case IDLE -> onIdleFrame(frame);
            case RECEIVING_ARGUMENTS -> onArgumentFrame(checkRequest(frame));
            case RECEIVING_ARGUMENT_CONTINUATION -> onArgumentContinuationFrame(checkRequest(frame));
            case RECEIVING_DATA -> onDataFrame(checkRequest(frame));
            case FAILED -> List.of(ServerAction.NOOP);
        };
    }

    private Frame checkRequest(Frame frame) throws WireprotoException {
        if (frame.requestId() != activeRequestId) {
            throw new WireprotoException(frame.type().wireName() + " frame of request " + frame.requestId()
                    + " inside command '" + activeName + "' of request " + activeRequestId
                    + ": a command's frames come in one run");
        }
        return frame;
    }

    private List<ServerAction> onIdleFrame(Frame frame) throws WireprotoException {
        if (frame.type() != FrameType.COMMAND_NAME) {
            throw unexpected(frame, "a command-name frame");
        }
        checkDefinedFlags(frame);
        boolean eos = frame.has(FrameFlags.COMMAND_NAME_EOS);
        boolean hasArguments = frame.has(FrameFlags.COMMAND_NAME_HAVE_ARGS);
        boolean hasData = frame.has(FrameFlags.COMMAND_NAME_HAVE_DATA);
        if (eos && (hasArguments || hasData)) {
            throw new WireprotoException("command-name frame with eos and " + FrameFlags.describe(frame.type(), frame.flags() & ~1)
                    + ": eos excludes the others");
        }
        if (!eos && !hasArguments && !hasData) {
            throw new WireprotoException("command-name frame without flags: need eos, have-args or have-data");
        }
        if (frame.payload().length == 0) {
            throw new WireprotoException("command-name frame with an empty name");
        }
        if (revision.hasRequestIds() && requestIdInUse.test(frame.requestId())) {
            throw new WireprotoException("request id " + frame.requestId() + " is already in use by a command in flight");
        }
        activeRequestId = frame.requestId();
        activeName = decodeText(frame.payload());
        activeHasData = hasData;
        activeArguments = new ArrayList<>();
        activeArgumentBytes = 0;
        if (hasArguments) {
            state = State.RECEIVING_ARGUMENTS;
            return List.of(ServerAction.WANT_FRAME);
        }
        return startCommand();
    }

    private List<ServerAction> onArgumentFrame(Frame frame) throws WireprotoException {
        if (frame.type() != FrameType.COMMAND_ARGUMENT) {
            throw unexpected(frame, "a command-argument frame");
        }
        checkDefinedFlags(frame);
        boolean continuation = frame.has(FrameFlags.ARGUMENT_CONTINUATION);
        boolean endOfArguments = frame.has(FrameFlags.ARGUMENT_EOA);
        if (continuation && endOfArguments) {
            throw new WireprotoException("command-argument frame with continuation and eoa: the value is not finished");
        }
        byte[] payload = frame.payload();
        if (payload.length < ARGUMENT_HEADER_LENGTH) {
            throw new WireprotoException("command-argument frame of " + payload.length
                    + " bytes is shorter than its 4-byte header");
        }
        ByteBuffer header = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int nameLength = Short.toUnsignedInt(header.getShort());
        int valueLength = Short.toUnsignedInt(header.getShort());
        int available = payload.length - ARGUMENT_HEADER_LENGTH;
        if (nameLength == 0) {
            throw new WireprotoException("command-argument frame with an empty argument name");
        }
        if (nameLength > available) {
            throw new WireprotoException("malformed argument frame: partial argument name (" + available + " of "
                    + nameLength + " bytes)");
        }
        if (activeArguments.size() >= limits.maxArguments()) {
            throw new WireprotoException("more than " + limits.maxArguments() + " arguments to command '" + activeName + "'");
        }
        activeArgumentBytes += nameLength + (long) valueLength;
        if (activeArgumentBytes > limits.maxArgumentBytes()) {
            throw new WireprotoException("arguments of command '" + activeName + "' over the limit of "
                    + limits.maxArgumentBytes() + " bytes");
        }
        String name = decodeText(Arrays.copyOfRange(payload, ARGUMENT_HEADER_LENGTH, ARGUMENT_HEADER_LENGTH + nameLength));
        int valueStart = ARGUMENT_HEADER_LENGTH + nameLength;
        int valueHere = payload.length - valueStart;
        if (continuation) {
            if (valueHere >= valueLength) {
                throw new WireprotoException("command-argument frame with continuation but the whole value of '" + name
                        + "' (" + valueLength + " bytes) already in it");
            }
            continuedArgumentName = name;
            continuedArgumentValue = new byte[valueLength];
            System.arraycopy(payload, valueStart, continuedArgumentValue, 0, valueHere);
            continuedArgumentFilled = valueHere;
            state = State.RECEIVING_ARGUMENT_CONTINUATION;
            return List.of(ServerAction.WANT_FRAME);
        }
        if (valueHere != valueLength) {
            throw new WireprotoException("malformed argument frame: " + (valueHere < valueLength ? "partial" : "overlong")
                    + " argument value for '" + name + "' (" + valueHere + " bytes, declared " + valueLength + ")");
        }
        // The value stays bytes: nothing here (or later) decodes it.
        activeArguments.add(new Argument(name, Arrays.copyOfRange(payload, valueStart, payload.length)));
        return endOfArguments ? startCommand() : List.of(ServerAction.WANT_FRAME);
    }

    private List<ServerAction> onArgumentContinuationFrame(Frame frame) throws WireprotoException {
        if (frame.type() != FrameType.COMMAND_ARGUMENT) {
            throw unexpected(frame, "a command-argument frame continuing '" + continuedArgumentName + "'");
        }
        checkDefinedFlags(frame);
        boolean continuation = frame.has(FrameFlags.ARGUMENT_CONTINUATION);
        boolean endOfArguments = frame.has(FrameFlags.ARGUMENT_EOA);
        if (continuation && endOfArguments) {
            throw new WireprotoException("command-argument frame with continuation and eoa: the value is not finished");
        }
        byte[] payload = frame.payload();
        int missing = continuedArgumentValue.length - continuedArgumentFilled;
        if (payload.length > missing || (continuation && payload.length == missing)) {
            throw new WireprotoException("argument '" + continuedArgumentName + "' continues past its declared "
                    + continuedArgumentValue.length + " bytes");
        }
        countEmptyFrame(payload.length);
        if (!continuation && payload.length < missing) {
            throw new WireprotoException("malformed argument frame: partial argument value for '" + continuedArgumentName
                    + "' (" + (continuedArgumentFilled + payload.length) + " of " + continuedArgumentValue.length + " bytes)");
        }
        System.arraycopy(payload, 0, continuedArgumentValue, continuedArgumentFilled, payload.length);
        continuedArgumentFilled += payload.length;
        if (continuation) {
            return List.of(ServerAction.WANT_FRAME);
        }
        activeArguments.add(new Argument(continuedArgumentName, continuedArgumentValue));
        continuedArgumentName = null;
        continuedArgumentValue = null;
        state = State.RECEIVING_ARGUMENTS;
        return endOfArguments ? startCommand() : List.of(ServerAction.WANT_FRAME);
    }

    private List<ServerAction> onDataFrame(Frame frame) throws WireprotoException {
        if (frame.type() != FrameType.COMMAND_DATA) {
            throw unexpected(frame, "a command-data frame");
        }
        checkDefinedFlags(frame);
        boolean continuation = frame.has(FrameFlags.DATA_CONTINUATION);
        boolean endOfData = frame.has(FrameFlags.DATA_EOS);
        if (continuation == endOfData) {
            throw new WireprotoException(continuation ? "command-data frame with both continuation and eos"
                    : "command data frame without flags: need continuation or eos");
        }
        long commandId = nextCommandId - 1;
        if (endOfData) {
            state = State.IDLE;
            return List.of(new ServerAction.CommandData(commandId, ByteBuffer.wrap(frame.payload()), true));
        }
        countEmptyFrame(frame.payload().length);
        if (frame.payload().length == 0) {
            return List.of(ServerAction.WANT_FRAME);
        }
        return List.of(new ServerAction.CommandData(commandId, ByteBuffer.wrap(frame.payload()), false));
    }

    private void countEmptyFrame(int payloadLength) throws WireprotoException {
        if (payloadLength > 0) {
            emptyFramesInRow = 0;
        } else if (++emptyFramesInRow > ServerReactor.MAX_EMPTY_FRAMES_IN_ROW) {
            throw new WireprotoException("more than " + ServerReactor.MAX_EMPTY_FRAMES_IN_ROW
                    + " empty continuation frames in a row");
        }
    }

    private List<ServerAction> startCommand() {
        long commandId = nextCommandId++;
        state = activeHasData ? State.RECEIVING_DATA : State.IDLE;
        ServerAction run = new ServerAction.RunCommand(commandId, activeRequestId, activeName, activeArguments, activeHasData);
        activeArguments = null;
        return List.of(run);
    }

    private void checkDefinedFlags(Frame frame) throws WireprotoException {
        int undefined = frame.flags() & ~frame.type().definedFlags();
        if (undefined != 0) {
            throw new WireprotoException(frame.type().wireName() + " frame with undefined flags " + undefined);
        }
    }

    private WireprotoException unexpected(Frame frame, String expected) {
        return new WireprotoException("expected " + expected + " while " + describe(state) + "; got "
                + frame.type().wireName() + " (type " + frame.type().code() + ")");
    }

    static String describe(State state) {
        return switch (state) {
            case IDLE -> "idle";
            case RECEIVING_ARGUMENTS -> "receiving arguments";
            case RECEIVING_ARGUMENT_CONTINUATION -> "receiving an argument value that spans frames";
            case RECEIVING_DATA -> "receiving command data";
            case FAILED -> "failed";
        };
    }

    private static String decodeText(byte[] bytes) {
        // Names are text for handlers (paths, header names); malformed UTF-8 is replaced, not fatal.
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
