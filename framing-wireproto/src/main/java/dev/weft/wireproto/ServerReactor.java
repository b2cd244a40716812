package dev.weft.wireproto;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The sans-IO server side of the frame protocol: events go in (bytes or frames received, a
 * response chunk ready, an application error, end of input), {@link ServerAction}s come out. It
 * touches no socket, thread or clock; the carrier does the I/O and runs the commands.
 *
 * <p>Two halves, one per direction: {@link CommandReceiver} reads the peer's frames (one
 * {@code switch} over (state, frame type)) and {@link AnswerOutput} frames the answers of the
 * commands in flight. This class joins them: it decodes, routes events, and turns a breach of
 * the protocol into the sequence below.
 *
 * <p><b>States</b>: {@link State#IDLE} takes only a command-name frame;
 * {@link State#RECEIVING_ARGUMENTS} only argument frames with a header;
 * {@link State#RECEIVING_ARGUMENT_CONTINUATION} only the rest of a value that spans frames;
 * {@link State#RECEIVING_DATA} only command-data frames; {@link State#FAILED} ignores all.
 * Anything else is a protocol error: reading stops ({@link ServerAction.StopReading} while
 * started commands still owe answers), those answers go out, then an error-response frame with
 * the protocol flag and {@link ServerAction.ProtocolError}.
 *
 * <p><b>Commands</b> run as soon as their arguments are complete; their data streams after
 * them as {@link ServerAction.CommandData}, so nothing buffers a whole upload. Argument values
 * stay bytes. In revision {@code 0001} answers must come back oldest command first (no request
 * ids: order is how the peer matches them). In revision {@code 0002} every command has the
 * request id its client chose, answers come back in any order and their frames interleave, so a
 * slow command does not hold back a fast one.
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
 * <p><b>Known limits</b>: one command is received at a time (its frames in one run, in both
 * revisions); commands then run side by side in revision {@code 0002} only. The protocol error
 * frame carries request id 0: it is about the connection, not a request.
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

    private final FramingRevision revision;
    private final FrameDecoder decoder;
    private final AnswerOutput output;
    private final CommandReceiver input;
    private boolean inputEnded;

    /**
     * A revision {@code 0001} reactor.
     *
     * @param limits the bounds to enforce
     * @param outputMode whether to hold answers until end of input
     */
    public ServerReactor(WireprotoLimits limits, OutputMode outputMode) {
        this(limits, outputMode, FramingRevision.EXP_0001);
    }

    /**
     * @param limits the bounds to enforce
     * @param outputMode whether to hold answers until end of input
     * @param revision the protocol revision the peer speaks
     */
    public ServerReactor(WireprotoLimits limits, OutputMode outputMode, FramingRevision revision) {
        Objects.requireNonNull(limits, "limits is null");
        this.revision = Objects.requireNonNull(revision, "revision is null");
        this.decoder = new FrameDecoder(revision, limits.maxReceiveFrameLength());
        this.output = new AnswerOutput(limits, revision, Objects.requireNonNull(outputMode, "outputMode is null"));
        this.input = new CommandReceiver(limits, revision, output::requestIdInUse);
    }

    /** @return the protocol revision spoken */
    public FramingRevision revision() {
        return revision;
    }

    /** @return the current input state */
    public State state() {
        return input.state();
    }

    /** @return commands started and not yet answered */
    public int pendingCommands() {
        return output.pendingCommands();
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
        if (state() == State.FAILED) {
            return actions;
        }
        try {
            decoder.decode(bytes, frame -> {
                if (state() != State.FAILED) {
                    for (ServerAction action : onFrame(frame)) {
                        if (!(action instanceof ServerAction.WantFrame) && !(action instanceof ServerAction.Noop)) {
                            actions.add(action);
                        }
                    }
                }
            });
        } catch (WireprotoException e) {
            // A frame earlier in this buffer may already have failed the reactor: one error is enough.
            if (state() != State.FAILED) {
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
            List<ServerAction> actions = input.onFrame(frame);
            for (ServerAction action : actions) {
                if (action instanceof ServerAction.RunCommand run) {
                    output.started(run);
                }
            }
            return actions;
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
        if (state() == State.FAILED || inputEnded) {
            return List.of(ServerAction.NOOP);
        }
        inputEnded = true;
        try {
            decoder.finish();
        } catch (WireprotoException e) {
            return fail(e.getMessage());
        }
        if (state() != State.IDLE) {
            return fail("input ended inside command '" + input.activeName() + "' (" + CommandReceiver.describe(state()) + ")");
        }
        List<ServerAction> actions = output.inputEnded();
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
        return switch (state()) {
            case RECEIVING_ARGUMENTS, RECEIVING_ARGUMENT_CONTINUATION, RECEIVING_DATA ->
                    fail("timed out inside command '" + input.activeName() + "' (" + CommandReceiver.describe(state()) + ")");
            case IDLE, FAILED -> List.of(ServerAction.NOOP);
        };
    }

    /**
     * A chunk of a command's successful answer.
     *
     * @param commandId a command in flight; in revision {@code 0001} the oldest
     * @param data the bytes; consumed
     * @return the actions
     * @throws IllegalStateException if {@code commandId} is not in flight, or (revision
     *     {@code 0001}) not the oldest: a carrier bug, not a peer's
     */
    public List<ServerAction> onResponseData(long commandId, ByteBuffer data) {
        return output.responseData(commandId, data, inputEnded);
    }

    /**
     * A command's successful answer is complete.
     *
     * @return the actions (the last frame carries {@code eos})
     * @throws IllegalStateException as {@link #onResponseData}
     */
    public List<ServerAction> onResponseEnd(long commandId) {
        return output.responseEnd(commandId, inputEnded);
    }

    /**
     * A command failed: an error-response frame with the application flag carries
     * {@code message} (cut to the frame size). Response data already sent stays sent; data
     * still held is dropped.
     *
     * @return the actions
     * @throws IllegalStateException as {@link #onResponseData}
     */
    public List<ServerAction> onApplicationError(long commandId, String message) {
        return output.applicationError(commandId, message, inputEnded);
    }

    private List<ServerAction> fail(String message) {
        input.fail();
        inputEnded = true;
        return output.fail(message);
    }
}
