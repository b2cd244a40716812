package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 9113 §5.1 as one table: every (stream state, frame received) pair and the answer it must
 * get. A pair missing from the table fails the test, so a new state or input cannot go unchecked.
 */
class StreamStateTableTest {

    /** Where stream 1 stands before the frame arrives. */
    enum State { IDLE, OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL, CLOSED_BY_PEER_RESET, CLOSED_BY_OUR_RESET, CLOSED_FINISHED }

    /** The frame received on stream 1. */
    enum Input { DATA, HEADERS, PRIORITY, RST_STREAM, WINDOW_UPDATE, CONTINUATION }

    /** The answer: accepted (or ignored), RST_STREAM with a code, or GOAWAY with a code. */
    record Answer(Scope scope, ErrorCode code) {
        static final Answer OK = new Answer(Scope.NONE, null);

        static Answer stream(ErrorCode code) {
            return new Answer(Scope.STREAM, code);
        }

        static Answer connection(ErrorCode code) {
            return new Answer(Scope.CONNECTION, code);
        }
    }

    /** Which kind of answer. */
    enum Scope { NONE, STREAM, CONNECTION }

    private static final Map<State, Map<Input, Answer>> TABLE = new EnumMap<>(State.class);

    static {
        Answer protocol = Answer.connection(ErrorCode.PROTOCOL_ERROR);
        Answer streamClosed = Answer.stream(ErrorCode.STREAM_CLOSED);
        row(State.IDLE, protocol, Answer.OK, Answer.OK, protocol, protocol, protocol);
        row(State.OPEN, Answer.OK, Answer.OK, Answer.OK, Answer.OK, Answer.OK, protocol);
        row(State.HALF_CLOSED_REMOTE, streamClosed, streamClosed, Answer.OK, Answer.OK, Answer.OK, protocol);
        row(State.HALF_CLOSED_LOCAL, Answer.OK, Answer.OK, Answer.OK, Answer.OK, Answer.OK, protocol);
        Answer headersOnClosed = Answer.connection(ErrorCode.STREAM_CLOSED);
        row(State.CLOSED_BY_PEER_RESET, streamClosed, headersOnClosed, Answer.OK, Answer.OK, Answer.OK, protocol);
        row(State.CLOSED_FINISHED, streamClosed, headersOnClosed, Answer.OK, Answer.OK, Answer.OK, protocol);
        // §5.1: after our RST_STREAM, frames the peer had in flight are ignored.
        row(State.CLOSED_BY_OUR_RESET, Answer.OK, Answer.OK, Answer.OK, Answer.OK, Answer.OK, protocol);
    }

    private static void row(State state, Answer data, Answer headers, Answer priority, Answer rst, Answer windowUpdate,
                            Answer continuation) {
        Map<Input, Answer> answers = new EnumMap<>(Input.class);
        answers.put(Input.DATA, data);
        answers.put(Input.HEADERS, headers);
        answers.put(Input.PRIORITY, priority);
        answers.put(Input.RST_STREAM, rst);
        answers.put(Input.WINDOW_UPDATE, windowUpdate);
        answers.put(Input.CONTINUATION, continuation);
        TABLE.put(state, answers);
    }

    static Stream<Arguments> everyPair() {
        List<Arguments> pairs = new ArrayList<>();
        for (State state : EnumSet.allOf(State.class)) {
            for (Input input : EnumSet.allOf(Input.class)) {
                pairs.add(Arguments.of(state, input));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("everyPair")
    void answersAsRfc9113Section5_1Says(State state, Input input) {
        Answer expected = TABLE.get(state).get(input);
        assertTrue(expected != null, "the table has no answer for " + state + " + " + input);
        ScriptedPeer peer = new ScriptedPeer().handshake();
        enter(peer, state);
        peer.frames();
        peer.send(frame(peer, state, input));
        switch (expected.scope()) {
            case NONE -> {
                assertFalse(peer.server.isFailed(), "connection must stay up");
                List<Frame> frames = peer.frames();
                assertFalse(frames.stream().anyMatch(f -> f instanceof Frame.RstStream r && r.errorCode() != 0),
                        "no error reset expected: " + frames);
                peer.expectAlive();
            }
            case STREAM -> peer.expectReset(1, expected.code());
            case CONNECTION -> peer.expectGoAway(expected.code());
        }
    }

    private static void enter(ScriptedPeer peer, State state) {
        switch (state) {
            case IDLE -> {
            }
            case OPEN -> peer.send(peer.headers(1, false, ScriptedPeer.post("/sink")));
            case HALF_CLOSED_REMOTE -> peer.send(peer.headers(1, true, ScriptedPeer.get("/")));
            case HALF_CLOSED_LOCAL -> {
                peer.send(peer.headers(1, false, ScriptedPeer.post("/sink")));
                peer.server.sendHeaders(1, List.of(new HeaderField(":status", "200")), true);
            }
            case CLOSED_BY_PEER_RESET -> {
                peer.send(peer.headers(1, false, ScriptedPeer.post("/sink")));
                peer.send(new Frame.RstStream(1, ErrorCode.CANCEL.code()));
            }
            case CLOSED_BY_OUR_RESET -> {
                peer.send(peer.headers(1, false, ScriptedPeer.post("/sink")));
                peer.server.resetStream(1, ErrorCode.CANCEL);
            }
            case CLOSED_FINISHED -> {
                peer.send(peer.headers(1, true, ScriptedPeer.get("/")));
                peer.server.sendHeaders(1, List.of(new HeaderField(":status", "204")), true);
            }
        }
    }

    private static Frame frame(ScriptedPeer peer, State state, Input input) {
        return switch (input) {
            case DATA -> ScriptedPeer.data(1, "x", true);
            // On an idle stream HEADERS open it; on any other they are trailers.
            case HEADERS -> peer.headers(1, true, state == State.IDLE ? ScriptedPeer.get("/") : new String[] {"x-trailer", "1"});
            case PRIORITY -> new Frame.Priority(1, new Frame.PriorityInfo(0, false, 16));
            case RST_STREAM -> new Frame.RstStream(1, ErrorCode.CANCEL.code());
            case WINDOW_UPDATE -> new Frame.WindowUpdate(1, 1);
            case CONTINUATION -> new Frame.Continuation(1, ByteBuffer.wrap(new byte[] {(byte) 0x82}), true);
        };
    }
}
