package dev.weft.wireproto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * The sans-IO server side of the frame protocol: events go in (bytes or frames received, a
 * response chunk ready, an application error, end of input), {@link ServerAction}s come out. It
 * touches no socket, thread or clock; the carrier does the I/O and runs the commands.
 *
 * <p><b>States</b> (one {@code switch} over (state, frame type)): {@link State#IDLE} takes only
 * a command-name frame; {@link State#RECEIVING_ARGUMENTS} only argument frames with a header;
 * {@link State#RECEIVING_ARGUMENT_CONTINUATION} only the rest of a value that spans frames;
 * {@link State#RECEIVING_DATA} only command-data frames; {@link State#FAILED} ignores all.
 * Anything else is a protocol error: reading stops ({@link ServerAction.StopReading} while
 * started commands still owe answers), those answers go out, then an error-response frame with
 * the protocol flag and {@link ServerAction.ProtocolError}.
 *
 * <p><b>Commands</b> run as soon as their arguments are complete; their data streams after
 * them as {@link ServerAction.CommandData}, so nothing buffers a whole upload. Answers must
 * come back oldest command first: this revision of the protocol has no request ids, so the
 * order of answers is the only way the peer matches them.
 *
 * <p><b>Output</b>: with {@link OutputMode#STREAMING} frames are returned as they are made;
 * with {@link OutputMode#DEFERRED} (half-duplex carriers) they are held until end of input,
 * up to {@link WireprotoLimits#maxDeferredOutputBytes()}. Responses are split into frames of
 * {@link WireprotoLimits#sendFrameLength()} with {@code eos} on the last; an empty response is
 * one empty {@code eos} frame.
 *
 * <p><b>Threading</b>: not thread-safe. Owned by one thread at a time: the connection's event
 * loop, or the carrier's lock.
 *
 * <p><b>Known limits</b>: commands are answered strictly in order, so a slow command delays the
 * answers of those pipelined behind it (the carrier runs them one at a time).
 */
public final class ServerReactor {
    /** Empty continuation frames accepted in a row; honest encoders send none. */
    static final int MAX_EMPTY_FRAMES_IN_ROW = 64;

    /** Where the reactor is in reading the peer's frames. */
    public enum State {
        /** Between commands: only a command-name frame may come. */
        IDLE,
        /** After a command-name with {@code have-args}: argument frames until {@code eoa}. */
        RECEIVING_ARGUMENTS,
        /** Inside an argument value that spans frames: the next frame carries more of it. */
        RECEIVING_ARGUMENT_CONTINUATION,
        /** Command data frames until {@code eos}. */
        RECEIVING_DATA,
        /** A protocol error happened: everything is ignored. */
        FAILED
    }

    /** Whether answers go out at once or wait for end of input. */
    public enum OutputMode {
        /** Full-duplex carriers (TCP): frames go out as responses are produced. */
        STREAMING,
        /** Half-duplex carriers (stdio, HTTP request/response): frames wait for end of input. */
        DEFERRED
    }

    private static final int ARGUMENT_HEADER_LENGTH = 4;

    private final WireprotoLimits limits;
    private final FrameDecoder decoder;
    private OutputMode outputMode;
    private State state = State.IDLE;
    private boolean inputEnded;

    // The command being received.
    private long nextCommandId = 1;
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
     * flood (as CVE-2019-9518 for HTTP/2). Capped at {@link #MAX_EMPTY_FRAMES_IN_ROW}.
     */
    private int emptyFramesInRow;

    // Commands started and not yet answered, oldest first.
    private final Deque<PendingCommand> pending = new ArrayDeque<>();
    // A protocol error waiting for the answers of commands started before it; null if none.
    private String pendingFailure;
    // The error frame went out: nothing more is sent.
    private boolean closed;
    // Frames held for a half-duplex carrier until end of input.
    private final List<Frame> deferred = new ArrayList<>();
    private long deferredBytes;

    /**
     * @param limits the bounds to enforce
     * @param outputMode whether to hold answers until end of input
     */
    public ServerReactor(WireprotoLimits limits, OutputMode outputMode) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.outputMode = Objects.requireNonNull(outputMode, "outputMode is null");
        this.decoder = new FrameDecoder(limits.maxReceiveFrameLength());
    }

    /** @return the current input state */
    public State state() {
        return state;
    }

    /** @return commands started and not yet answered */
    public int pendingCommands() {
        return pending.size();
    }

    /** @return whether end of input was seen */
    public boolean inputEnded() {
        return inputEnded;
    }

    /**
     * Bytes received from the peer: decodes them and reacts to each frame. {@code WantFrame}
     * and {@code Noop} are left out of the result.
     *
     * @param bytes consumed entirely
     * @return the actions, in order
     */
    public List<ServerAction> receive(ByteBuffer bytes) {
        List<ServerAction> actions = new ArrayList<>();
        if (state == State.FAILED) {
            return actions;
        }
        try {
            decoder.decode(bytes, frame -> {
                if (state != State.FAILED) {
                    for (ServerAction action : onFrame(frame)) {
                        if (!(action instanceof ServerAction.WantFrame) && !(action instanceof ServerAction.Noop)) {
                            actions.add(action);
                        }
                    }
                }
            });
        } catch (WireprotoException e) {
            // A frame earlier in this buffer may already have failed the reactor: one error is enough.
            if (state != State.FAILED) {
                actions.addAll(fail(e.getMessage()));
            }
        }
        return actions;
    }

    /**
     * One frame received.
     *
     * @return the actions; {@link ServerAction#WANT_FRAME} alone when the frame was taken and
     *     nothing else is due
     */
    public List<ServerAction> onFrame(Frame frame) {
        Objects.requireNonNull(frame, "frame is null");
        try {
            return switch (state) {
                case IDLE -> onIdleFrame(frame);
                case RECEIVING_ARGUMENTS -> onArgumentFrame(frame);
                case RECEIVING_ARGUMENT_CONTINUATION -> onArgumentContinuationFrame(frame);
                case RECEIVING_DATA -> onDataFrame(frame);
                case FAILED -> List.of(ServerAction.NOOP);
            };
        } catch (WireprotoException e) {
            return fail(e.getMessage());
        }
    }

    /**
     * The peer's input ended. Inside a frame or a command that is a protocol error; otherwise
     * held answers are released, and {@link ServerAction.EndOfOutput} follows once every
     * command is answered.
     *
     * @return the actions
     */
    public List<ServerAction> onInputEnd() {
        if (state == State.FAILED || inputEnded) {
            return List.of(ServerAction.NOOP);
        }
        inputEnded = true;
        try {
            decoder.finish();
        } catch (WireprotoException e) {
            return fail(e.getMessage());
        }
        if (state != State.IDLE) {
            return fail("input ended inside command '" + activeName + "' (" + describe(state) + ")");
        }
        outputMode = OutputMode.STREAMING;
        List<ServerAction> actions = new ArrayList<>();
        if (!deferred.isEmpty()) {
            actions.add(new ServerAction.SendFrames(deferred));
            deferred.clear();
            deferredBytes = 0;
        }
        if (pending.isEmpty()) {
            actions.add(new ServerAction.EndOfOutput());
        }
        return actions.isEmpty() ? List.of(ServerAction.NOOP) : actions;
    }

    /**
     * The carrier's clock says the peer has gone quiet. Inside a command (a name, arguments or
     * data still owed) that is a protocol error: a command that never ends must not hold the
     * connection. Between commands nothing happens here; the carrier decides.
     *
     * @return the actions: a protocol error, or {@link ServerAction#NOOP}
     */
    public List<ServerAction> onInputTimeout() {
        return switch (state) {
            case RECEIVING_ARGUMENTS, RECEIVING_ARGUMENT_CONTINUATION, RECEIVING_DATA ->
                    fail("timed out inside command '" + activeName + "' (" + describe(state) + ")");
            case IDLE, FAILED -> List.of(ServerAction.NOOP);
        };
    }

    /**
     * A chunk of the oldest pending command's successful answer.
     *
     * @param commandId must be the oldest pending command
     * @param data the bytes; consumed
     * @return the actions
     * @throws IllegalStateException if {@code commandId} is not the oldest pending command (a
     *     carrier bug, not a peer's)
     */
    public List<ServerAction> onResponseData(long commandId, ByteBuffer data) {
        PendingCommand command = oldest(commandId);
        if (command == null || command.abandoned) {
            return List.of(ServerAction.NOOP);
        }
        List<Frame> frames = new ArrayList<>();
        int frameLength = limits.sendFrameLength();
        if (command.tail == null) {
            command.tail = new byte[frameLength];
        }
        while (data.hasRemaining()) {
            if (command.tailFilled == frameLength) {
                // More data follows a full tail, so the tail is not the last frame.
                // The full tail becomes the frame's payload (no copy); a fresh tail takes over.
                frames.add(new Frame(FrameType.BYTES_RESPONSE, FrameFlags.BYTES_CONTINUATION, command.tail));
                command.tail = new byte[frameLength];
                command.tailFilled = 0;
            }
            int take = Math.min(frameLength - command.tailFilled, data.remaining());
            data.get(command.tail, command.tailFilled, take);
            command.tailFilled += take;
        }
        return output(command, frames, false);
    }

    /**
     * The oldest pending command's successful answer is complete.
     *
     * @return the actions (the last frame carries {@code eos})
     * @throws IllegalStateException as {@link #onResponseData}
     */
    public List<ServerAction> onResponseEnd(long commandId) {
        PendingCommand command = oldest(commandId);
        if (command == null) {
            return List.of(ServerAction.NOOP);
        }
        if (command.abandoned) {
            return finish(command, List.of());
        }
        byte[] lastPayload = command.tail == null ? new byte[0] : Arrays.copyOf(command.tail, command.tailFilled);
        Frame last = new Frame(FrameType.BYTES_RESPONSE, FrameFlags.BYTES_EOS, lastPayload);
        return output(command, List.of(last), true);
    }

    /**
     * The oldest pending command failed: an error-response frame with the application flag
     * carries {@code message} (cut to the frame size). Response data already sent stays sent;
     * data still held is dropped.
     *
     * @return the actions
     * @throws IllegalStateException as {@link #onResponseData}
     */
    public List<ServerAction> onApplicationError(long commandId, String message) {
        PendingCommand command = oldest(commandId);
        if (command == null) {
            return List.of(ServerAction.NOOP);
        }
        if (command.abandoned) {
            return finish(command, List.of());
        }
        return output(command, List.of(errorFrame(FrameFlags.ERROR_APPLICATION, message)), true);
    }

    // ---- input ----

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
        } else if (++emptyFramesInRow > MAX_EMPTY_FRAMES_IN_ROW) {
            throw new WireprotoException("more than " + MAX_EMPTY_FRAMES_IN_ROW + " empty continuation frames in a row");
        }
    }

    private List<ServerAction> startCommand() {
        long commandId = nextCommandId++;
        PendingCommand command = new PendingCommand(commandId);
        if (pending.isEmpty()) {
            command.deferredStart = deferred.size();
        }
        pending.addLast(command);
        state = activeHasData ? State.RECEIVING_DATA : State.IDLE;
        ServerAction run = new ServerAction.RunCommand(commandId, activeName, activeArguments, activeHasData);
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

    private static String describe(State state) {
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

    // ---- output ----

    private PendingCommand oldest(long commandId) {
        if (closed) {
            return null;
        }
        PendingCommand head = pending.peekFirst();
        if (head == null || head.id != commandId) {
            throw new IllegalStateException("answer for command " + commandId + " but the oldest pending is "
                    + (head == null ? "none" : head.id));
        }
        return head;
    }

    private List<ServerAction> output(PendingCommand command, List<Frame> frames, boolean complete) {
        if (outputMode == OutputMode.STREAMING) {
            List<ServerAction> actions = new ArrayList<>();
            if (!frames.isEmpty()) {
                actions.add(new ServerAction.SendFrames(frames));
            }
            return complete ? finish(command, actions) : (actions.isEmpty() ? List.of(ServerAction.NOOP) : actions);
        }
        long adding = 0;
        for (Frame frame : frames) {
            adding += FrameCodec.HEADER_LENGTH + frame.payload().length;
        }
        if (deferredBytes + adding + command.tailFilled > limits.maxDeferredOutputBytes()) {
            // The answer cannot be held until end of input: replace what we hold of it with an
            // error, and drop the rest of it as it comes.
            while (deferred.size() > command.deferredStart) {
                Frame dropped = deferred.removeLast();
                deferredBytes -= FrameCodec.HEADER_LENGTH + dropped.payload().length;
            }
            Frame error = errorFrame(FrameFlags.ERROR_APPLICATION, "response to command " + command.id
                    + " is over the deferred-output limit of " + limits.maxDeferredOutputBytes() + " bytes");
            deferred.add(error);
            deferredBytes += FrameCodec.HEADER_LENGTH + error.payload().length;
            command.abandoned = true;
            command.tailFilled = 0;
            return complete ? finish(command, List.of()) : List.of(ServerAction.NOOP);
        }
        deferred.addAll(frames);
        deferredBytes += adding;
        return complete ? finish(command, List.of()) : List.of(ServerAction.NOOP);
    }

    private List<ServerAction> finish(PendingCommand command, List<ServerAction> actions) {
        pending.removeFirst();
        if (!pending.isEmpty()) {
            pending.peekFirst().deferredStart = deferred.size();
        }
        if (pendingFailure != null && pending.isEmpty()) {
            // The last answer owed before the protocol error is out: now the error, then close.
            List<ServerAction> all = new ArrayList<>(actions);
            all.addAll(closeWithError(pendingFailure));
            return all;
        }
        if (inputEnded && pending.isEmpty()) {
            List<ServerAction> all = new ArrayList<>(actions);
            all.add(new ServerAction.EndOfOutput());
            return all;
        }
        return actions.isEmpty() ? List.of(ServerAction.NOOP) : actions;
    }

    /**
     * The peer broke the protocol. Nothing more is read; commands already started still get
     * their answers, in order (as the reference reactor, which ran each command before reading
     * on, would have sent them), then the error frame goes out and the connection closes.
     */
    private List<ServerAction> fail(String message) {
        state = State.FAILED;
        inputEnded = true;
        // No more input is coming, so a half-duplex peer is now listening.
        outputMode = OutputMode.STREAMING;
        List<ServerAction> actions = new ArrayList<>();
        if (!deferred.isEmpty()) {
            actions.add(new ServerAction.SendFrames(deferred));
            deferred.clear();
            deferredBytes = 0;
        }
        if (pending.isEmpty()) {
            actions.addAll(closeWithError(message));
        } else {
            pendingFailure = message;
            actions.add(new ServerAction.StopReading(message));
        }
        return actions;
    }

    private List<ServerAction> closeWithError(String message) {
        closed = true;
        pendingFailure = null;
        return List.of(new ServerAction.SendFrames(List.of(errorFrame(FrameFlags.ERROR_PROTOCOL, message))),
                new ServerAction.ProtocolError(message));
    }

    private Frame errorFrame(int flag, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        return new Frame(FrameType.ERROR_RESPONSE, flag,
                text.length <= limits.sendFrameLength() ? text : Arrays.copyOf(text, limits.sendFrameLength()));
    }

    /** One command started and not yet answered. Owned by the reactor's owner. */
    private static final class PendingCommand {
        final long id;
        /**
         * Response bytes not yet framed: the last frame must carry eos, so one frame's worth
         * waits. Allocated on the first answer, so queued commands cost no frame buffer.
         */
        byte[] tail;
        int tailFilled;
        /** Index in {@code deferred} where this command's frames start. */
        int deferredStart;
        /** The answer overflowed the deferred-output bound; the rest of it is dropped. */
        boolean abandoned;

        PendingCommand(long id) {
            this.id = id;
        }
    }
}
