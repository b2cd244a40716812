package dev.weft.wireproto;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * What the {@link ServerReactor} tells its carrier to do, in the reference design's spirit
 * ({@code sendframes}, {@code runcommand}, {@code wantframe}, {@code error}, {@code noop}) as one
 * sealed hierarchy, so that a carrier's {@code switch} is checked for completeness.
 */
public sealed interface ServerAction {

    /** Nothing to do for this event. */
    Noop NOOP = new Noop();
    /** The frame was taken; more frames are needed before anything happens. */
    WantFrame WANT_FRAME = new WantFrame();

    /**
     * Send these frames, in order, now.
     *
     * @param frames the frames
     */
    record SendFrames(List<Frame> frames) implements ServerAction {
        /** Copies the list. */
        public SendFrames {
            frames = List.copyOf(frames);
        }
    }

    /**
     * Start a command. Its data, if it has any, follows as {@link CommandData}; its answer goes
     * back through {@link ServerReactor#onResponseData}, {@link ServerReactor#onResponseEnd} or
     * {@link ServerReactor#onApplicationError} under the same command id (in revision
     * {@code 0001} oldest command first; in {@code 0002} in any order).
     *
     * @param commandId the reactor's id for it (counting from 1; unique on the connection)
     * @param requestId the id its client gave it on the wire (revision {@code 0002}; 0 in
     *     {@code 0001})
     * @param name the command name
     * @param arguments its arguments in the order received, values as bytes
     * @param hasData whether command data follows
     */
    record RunCommand(long commandId, int requestId, String name, List<Argument> arguments, boolean hasData)
            implements ServerAction {
        /** Copies the list. */
        public RunCommand {
            Objects.requireNonNull(name, "name is null");
            arguments = List.copyOf(arguments);
        }

        /** A revision {@code 0001} command (request id 0). */
        public RunCommand(long commandId, String name, List<Argument> arguments, boolean hasData) {
            this(commandId, 0, name, arguments, hasData);
        }
    }

    /**
     * A chunk of a running command's data, to hand to its handler.
     *
     * @param commandId the command
     * @param data the bytes (owned by the receiver)
     * @param last whether this is the end of the data
     */
    record CommandData(long commandId, ByteBuffer data, boolean last) implements ServerAction {
    }

    /**
     * The peer broke the protocol and every answer owed is out: the preceding
     * {@link SendFrames} carries the error-response frame; send it, stop reading, close.
     *
     * @param message what was wrong
     */
    record ProtocolError(String message) implements ServerAction {
    }

    /**
     * The peer broke the protocol while started commands still owe answers: stop reading, fail
     * the data of the command being received, let the started commands finish; their answers
     * are followed by the error frame and {@link ProtocolError}.
     *
     * @param message what was wrong
     */
    record StopReading(String message) implements ServerAction {
    }

    /** Input has ended and every command is answered: finish the output and close. */
    record EndOfOutput() implements ServerAction {
    }

    /** See {@link #NOOP}. */
    record Noop() implements ServerAction {
    }

    /** See {@link #WANT_FRAME}. */
    record WantFrame() implements ServerAction {
    }
}
