package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.weft.wireproto.ServerReactor.OutputMode;
import dev.weft.wireproto.ServerReactor.State;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every (state, frame type, flags) pair against an expected (action, next state), in the
 * style of h2's state-machine tests: the expectation is written here as its own table, so the
 * reactor and the table must agree on all 5 x 5 x 16 pairs.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerReactorStateTableTest {

    /** The kind of the reactor's answer to one frame. */
    enum Outcome { WANT_FRAME, RUN_COMMAND, COMMAND_DATA, LAST_COMMAND_DATA, PROTOCOL_ERROR, NOOP }

    /** In RECEIVING_ARGUMENT_CONTINUATION the value declared 10 bytes and 2 came: 8 are missing. */
    private static final int MISSING = 8;

    static Stream<Arguments> everyPair() {
        List<Arguments> pairs = new ArrayList<>();
        for (State state : State.values()) {
            for (FrameType type : FrameType.values()) {
                for (int flags = 0; flags < 16; flags++) {
                    pairs.add(Arguments.of(state, type, flags));
                }
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} + {1} flags {2}")
    @MethodSource("everyPair")
    void frameInState(State state, FrameType type, int flags) {
        ServerReactor reactor = reactorIn(state);
        List<ServerAction> actions = reactor.onFrame(new Frame(type, flags, payloadFor(state, type, flags)));
        Expected expected = expected(state, type, flags);
        assertEquals(expected.outcome(), outcome(actions), actions.toString());
        assertEquals(expected.next(), reactor.state());
        if (expected.outcome() == Outcome.PROTOCOL_ERROR) {
            if (actions.getFirst() instanceof ServerAction.StopReading) {
                // The command being received was started: its answer comes first, then the error.
                actions = new java.util.ArrayList<>(reactor.onResponseEnd(1));
                assertEquals(FrameType.BYTES_RESPONSE, ((ServerAction.SendFrames) actions.removeFirst()).frames().getFirst().type());
                assertInstanceOf(ServerAction.ProtocolError.class, actions.getLast());
            }
            Frame sent = assertInstanceOf(ServerAction.SendFrames.class, actions.getFirst()).frames().getLast();
            assertEquals(FrameType.ERROR_RESPONSE, sent.type());
            assertEquals(FrameFlags.ERROR_PROTOCOL, sent.flags());
        }
    }

    private record Expected(Outcome outcome, State next) {
    }

    private static Expected error() {
        return new Expected(Outcome.PROTOCOL_ERROR, State.FAILED);
    }

    /** The protocol's rules, restated independently of the reactor's code. */
    private static Expected expected(State state, FrameType type, int flags) {
        if (state == State.FAILED) {
            return new Expected(Outcome.NOOP, State.FAILED);
        }
        boolean undefinedFlags = switch (type) {
            case COMMAND_NAME -> (flags & 8) != 0;
            default -> (flags & 12) != 0;
        };
        switch (state) {
            case IDLE -> {
                if (type != FrameType.COMMAND_NAME || undefinedFlags) {
                    return error();
                }
                return switch (flags) {
                    case 1 -> new Expected(Outcome.RUN_COMMAND, State.IDLE);
                    case 2, 6 -> new Expected(Outcome.WANT_FRAME, State.RECEIVING_ARGUMENTS);
                    case 4 -> new Expected(Outcome.RUN_COMMAND, State.RECEIVING_DATA);
                    default -> error(); // 0: no flags; 3, 5, 7: eos with others
                };
            }
            case RECEIVING_ARGUMENTS, RECEIVING_ARGUMENT_CONTINUATION -> {
                if (type != FrameType.COMMAND_ARGUMENT || undefinedFlags) {
                    return error();
                }
                return switch (flags) {
                    case 0 -> new Expected(Outcome.WANT_FRAME, State.RECEIVING_ARGUMENTS);
                    case 1 -> new Expected(Outcome.WANT_FRAME, State.RECEIVING_ARGUMENT_CONTINUATION);
                    case 2 -> new Expected(Outcome.RUN_COMMAND, State.IDLE); // the command has no data
                    default -> error(); // continuation with eoa
                };
            }
            case RECEIVING_DATA -> {
                if (type != FrameType.COMMAND_DATA || undefinedFlags) {
                    return error();
                }
                return switch (flags) {
                    case 1 -> new Expected(Outcome.COMMAND_DATA, State.RECEIVING_DATA);
                    case 2 -> new Expected(Outcome.LAST_COMMAND_DATA, State.IDLE);
                    default -> error(); // none, or both
                };
            }
            default -> throw new AssertionError(state);
        }
    }

    /** A payload well formed for the frame, so that only state, type and flags decide. */
    private static byte[] payloadFor(State state, FrameType type, int flags) {
        if (type != FrameType.COMMAND_ARGUMENT) {
            return "cmd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        boolean continuation = (flags & FrameFlags.ARGUMENT_CONTINUATION) != 0;
        if (state == State.RECEIVING_ARGUMENT_CONTINUATION) {
            return new byte[continuation ? MISSING - 1 : MISSING];
        }
        // A complete "k=v" argument, or a start of a 10-byte value when continuing.
        return continuation ? argumentStart(10, 2) : TestFrames.argument("k", "v");
    }

    private static byte[] argumentStart(int declared, int present) {
        return ByteBuffer.allocate(4 + 1 + present).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1)
                .putShort((short) declared).put((byte) 'k').put(new byte[present]).array();
    }

    private static ServerReactor reactorIn(State state) {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);
        switch (state) {
            case IDLE -> { }
            case RECEIVING_ARGUMENTS -> reactor.onFrame(TestFrames.frame("command-name have-args cmd"));
            case RECEIVING_ARGUMENT_CONTINUATION -> {
                reactor.onFrame(TestFrames.frame("command-name have-args cmd"));
                reactor.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, argumentStart(10, 2)));
            }
            case RECEIVING_DATA -> reactor.onFrame(TestFrames.frame("command-name have-data cmd"));
            case FAILED -> reactor.onFrame(TestFrames.frame("bytes-response eos x"));
        }
        assertEquals(state, reactor.state());
        return reactor;
    }

    private static Outcome outcome(List<ServerAction> actions) {
        if (actions.size() == 2 && actions.get(1) instanceof ServerAction.ProtocolError) {
            return Outcome.PROTOCOL_ERROR;
        }
        if (actions.size() == 1 && actions.getFirst() instanceof ServerAction.StopReading) {
            return Outcome.PROTOCOL_ERROR;
        }
        assertEquals(1, actions.size(), actions.toString());
        return switch (actions.getFirst()) {
            case ServerAction.WantFrame want -> Outcome.WANT_FRAME;
            case ServerAction.RunCommand run -> Outcome.RUN_COMMAND;
            case ServerAction.CommandData data -> data.last() ? Outcome.LAST_COMMAND_DATA : Outcome.COMMAND_DATA;
            case ServerAction.Noop noop -> Outcome.NOOP;
            case ServerAction.SendFrames send -> throw new AssertionError("frames sent for an input frame: " + send);
            case ServerAction.ProtocolError error -> throw new AssertionError("error without its frame");
            case ServerAction.StopReading stop -> Outcome.PROTOCOL_ERROR;
            case ServerAction.EndOfOutput end -> throw new AssertionError("end of output on a frame");
        };
    }
}
