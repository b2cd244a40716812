package dev.weft.wireproto;

import dev.weft.wireproto.ServerReactor.OutputMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output half of the {@link ServerReactor}: the commands in flight and the frames of their
 * answers. Revision {@code 0001} has no request ids, so answers must come oldest command first;
 * in revision {@code 0002} any command in flight may answer at any time, each answer's frames in
 * order and carrying its request id, so answers interleave.
 *
 * <p>With {@link OutputMode#DEFERRED} (half-duplex carriers) frames are held until end of input,
 * up to {@link WireprotoLimits#maxDeferredOutputBytes()}; an answer that would pass it is
 * replaced by an application error. A protocol error waits for the answers of the commands
 * already started, then goes out last.
 *
 * <p>Threading: not thread-safe; owned by the reactor's owner.
 */
final class AnswerOutput {
    private final WireprotoLimits limits;
    private final FramingRevision revision;
    private OutputMode outputMode;
    // Commands started and not yet answered, oldest first.
    private final Map<Long, PendingCommand> pending = new LinkedHashMap<>();
    // A protocol error waiting for the answers of commands started before it; null if none.
    private String pendingFailure;
    // The error frame went out: nothing more is sent.
    private boolean closed;
    // Frames held for a half-duplex carrier until end of input, each with its command.
    private final List<Held> deferred = new ArrayList<>();
    private long deferredBytes;

    private record Held(long commandId, Frame frame) {
    }

    AnswerOutput(WireprotoLimits limits, FramingRevision revision, OutputMode outputMode) {
        this.limits = limits;
        this.revision = revision;
        this.outputMode = outputMode;
    }

    int pendingCommands() {
        return pending.size();
    }

    boolean requestIdInUse(int requestId) {
        for (PendingCommand command : pending.values()) {
            if (command.requestId == requestId) {
                return true;
            }
        }
        return false;
    }

    /** A command was started: its answer is now owed. */
    void started(ServerAction.RunCommand run) {
        pending.put(run.commandId(), new PendingCommand(run.commandId(), run.requestId()));
    }

    /**
     * Input has ended cleanly: held frames go out, and {@link ServerAction.EndOfOutput} follows
     * once every command is answered.
     */
    List<ServerAction> inputEnded() {
        outputMode = OutputMode.STREAMING;
        List<ServerAction> actions = new ArrayList<>();
        releaseDeferred(actions);
        if (pending.isEmpty()) {
            actions.add(new ServerAction.EndOfOutput());
        }
        return actions;
    }

    /**
     * The peer broke the protocol. Nothing more is read; commands already started still get
     * their answers (as the reference reactor, which ran each command before reading on, would
     * have sent them), then the error frame goes out and the connection closes.
     */
    List<ServerAction> fail(String message) {
        // No more input is coming, so a half-duplex peer is now listening.
        outputMode = OutputMode.STREAMING;
        List<ServerAction> actions = new ArrayList<>();
        releaseDeferred(actions);
        if (pending.isEmpty()) {
            actions.addAll(closeWithError(message));
        } else {
            pendingFailure = message;
            actions.add(new ServerAction.StopReading(message));
        }
        return actions;
    }

    List<ServerAction> responseData(long commandId, ByteBuffer data, boolean inputEnded) {
        PendingCommand command = answering(commandId);
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
                frames.add(new Frame(command.requestId, FrameType.BYTES_RESPONSE, FrameFlags.BYTES_CONTINUATION, command.tail));
                command.tail = new byte[frameLength];
                command.tailFilled = 0;
            }
            int take = Math.min(frameLength - command.tailFilled, data.remaining());
            data.get(command.tail, command.tailFilled, take);
            command.tailFilled += take;
        }
        return output(command, frames, false, inputEnded);
    }

    List<ServerAction> responseEnd(long commandId, boolean inputEnded) {
        PendingCommand command = answering(commandId);
        if (command == null) {
            return List.of(ServerAction.NOOP);
        }
        if (command.abandoned) {
            return finish(command, List.of(), inputEnded);
        }
        byte[] lastPayload = command.tail == null ? new byte[0] : Arrays.copyOf(command.tail, command.tailFilled);
        Frame last = new Frame(command.requestId, FrameType.BYTES_RESPONSE, FrameFlags.BYTES_EOS, lastPayload);
        return output(command, List.of(last), true, inputEnded);
    }

    List<ServerAction> applicationError(long commandId, String message, boolean inputEnded) {
        PendingCommand command = answering(commandId);
        if (command == null) {
            return List.of(ServerAction.NOOP);
        }
        if (command.abandoned) {
            return finish(command, List.of(), inputEnded);
        }
        return output(command, List.of(errorFrame(command.requestId, FrameFlags.ERROR_APPLICATION, message)), true, inputEnded);
    }

    /**
     * @return the command answering, or {@code null} once the connection's error frame is out
     * @throws IllegalStateException for a command not in flight, or (revision {@code 0001}) not
     *     the oldest: a carrier bug, not a peer's
     */
    private PendingCommand answering(long commandId) {
        if (closed) {
            return null;
        }
        PendingCommand command = pending.get(commandId);
        if (command == null) {
            throw new IllegalStateException("answer for command " + commandId + ", which is not in flight");
        }
        if (!revision.hasRequestIds()) {
            PendingCommand oldest = pending.values().iterator().next();
            if (oldest != command) {
                throw new IllegalStateException("answer for command " + commandId + " but the oldest pending is "
                        + oldest.id + " (revision 0001 answers in order)");
            }
        }
        return command;
    }

    private List<ServerAction> output(PendingCommand command, List<Frame> frames, boolean complete, boolean inputEnded) {
        if (outputMode == OutputMode.STREAMING) {
            List<ServerAction> actions = new ArrayList<>();
            if (!frames.isEmpty()) {
                actions.add(new ServerAction.SendFrames(frames));
            }
            return complete ? finish(command, actions, inputEnded) : (actions.isEmpty() ? List.of(ServerAction.NOOP) : actions);
        }
        long adding = 0;
        for (Frame frame : frames) {
            adding += revision.headerLength() + frame.payload().length;
        }
        if (deferredBytes + adding + command.tailFilled > limits.maxDeferredOutputBytes()) {
            // The answer cannot be held until end of input: replace what we hold of it with an
            // error, and drop the rest of it as it comes.
            for (Iterator<Held> held = deferred.iterator(); held.hasNext(); ) {
                Held entry = held.next();
                if (entry.commandId == command.id) {
                    held.remove();
                    deferredBytes -= revision.headerLength() + entry.frame.payload().length;
                }
            }
            Frame error = errorFrame(command.requestId, FrameFlags.ERROR_APPLICATION, "response to command " + command.id
                    + " is over the deferred-output limit of " + limits.maxDeferredOutputBytes() + " bytes");
            deferred.add(new Held(command.id, error));
            deferredBytes += revision.headerLength() + error.payload().length;
            command.abandoned = true;
            command.tail = null;
            command.tailFilled = 0;
            return complete ? finish(command, List.of(), inputEnded) : List.of(ServerAction.NOOP);
        }
        for (Frame frame : frames) {
            deferred.add(new Held(command.id, frame));
        }
        deferredBytes += adding;
        return complete ? finish(command, List.of(), inputEnded) : List.of(ServerAction.NOOP);
    }

    private List<ServerAction> finish(PendingCommand command, List<ServerAction> actions, boolean inputEnded) {
        pending.remove(command.id);
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

    private void releaseDeferred(List<ServerAction> actions) {
        if (!deferred.isEmpty()) {
            List<Frame> frames = new ArrayList<>(deferred.size());
            for (Held held : deferred) {
                frames.add(held.frame);
            }
            actions.add(new ServerAction.SendFrames(frames));
            deferred.clear();
            deferredBytes = 0;
        }
    }

    private List<ServerAction> closeWithError(String message) {
        closed = true;
        pendingFailure = null;
        return List.of(new ServerAction.SendFrames(List.of(errorFrame(0, FrameFlags.ERROR_PROTOCOL, message))),
                new ServerAction.ProtocolError(message));
    }

    private Frame errorFrame(int requestId, int flag, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        return new Frame(requestId, FrameType.ERROR_RESPONSE, flag,
                text.length <= limits.sendFrameLength() ? text : Arrays.copyOf(text, limits.sendFrameLength()));
    }

    /** One command started and not yet answered. Owned by the reactor's owner. */
    private static final class PendingCommand {
        final long id;
        final int requestId;
        /**
         * Response bytes not yet framed: the last frame must carry eos, so one frame's worth
         * waits. Allocated on the first answer, so queued commands cost no frame buffer.
         */
        byte[] tail;
        int tailFilled;
        /** The answer overflowed the deferred-output bound; the rest of it is dropped. */
        boolean abandoned;

        PendingCommand(long id, int requestId) {
            this.id = id;
            this.requestId = requestId;
        }
    }
}
