package dev.weft.wireproto;

import static dev.weft.wireproto.TestFrames.frame2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.wireproto.ServerAction.EndOfOutput;
import dev.weft.wireproto.ServerAction.ProtocolError;
import dev.weft.wireproto.ServerAction.RunCommand;
import dev.weft.wireproto.ServerAction.SendFrames;
import dev.weft.wireproto.ServerReactor.OutputMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Revision {@code 0002}: request ids in the header, answers in any order, frames interleaved. */
class RequestIdsTest {
    private final ServerReactor streaming = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING,
            FramingRevision.EXP_0002);

    private static List<ServerAction> feed(ServerReactor reactor, String... frames) {
        return reactor.receive(ByteBuffer.wrap(TestFrames.wire2(frames)));
    }

    private static List<Frame> sent(List<ServerAction> actions) {
        List<Frame> frames = new ArrayList<>();
        for (ServerAction action : actions) {
            if (action instanceof SendFrames send) {
                frames.addAll(send.frames());
            }
        }
        return frames;
    }

    private static ByteBuffer text(String value) {
        return ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void headerRoundTripsEveryRequestIdAndLength() throws WireprotoException {
        Random random = new Random(2);
        for (int requestId : new int[] {0, 1, 255, 256, 4660, 65534, 65535}) {
            for (int length : new int[] {0, 1, 255, 256, 65535, 65536, 70000}) {
                byte[] payload = new byte[length];
                random.nextBytes(payload);
                Frame frame = new Frame(requestId, FrameType.BYTES_RESPONSE, FrameFlags.BYTES_EOS, payload);
                byte[] wire = FrameCodec.encode(FramingRevision.EXP_0002, frame).array();
                assertEquals(6 + length, wire.length);
                assertEquals(requestId & 0xff, wire[3] & 0xff);
                assertEquals(requestId >>> 8, wire[4] & 0xff);
                assertEquals(0x42, wire[5] & 0xff);
                assertEquals(List.of(frame), TestFrames.decodeAll(FramingRevision.EXP_0002, wire));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(FramingRevision.EXP_0001,
                new Frame(7, FrameType.BYTES_RESPONSE, FrameFlags.BYTES_EOS, new byte[0])));
    }

    @Test
    void commandsCarryTheirRequestIdsAndAnswerInAnyOrder() {
        List<ServerAction> actions = feed(streaming, "7 command-name eos slow", "3 command-name have-args fast",
                "3 command-argument eoa \\x03\\x00\\x01\\x00msg\\xff");
        assertEquals(List.of(new RunCommand(1, 7, "slow", List.of(), false),
                new RunCommand(2, 3, "fast", List.of(new Argument("msg", new byte[] {(byte) 0xff})), false)), actions);
        // The later command answers first: nothing waits for the older one.
        assertEquals(List.of(frame2("3 bytes-response eos quick")), sent(concat(streaming.onResponseData(2, text("quick")),
                streaming.onResponseEnd(2))));
        assertEquals(1, streaming.pendingCommands());
        assertEquals(List.of(frame2("7 bytes-response eos late")), sent(concat(streaming.onResponseData(1, text("late")),
                streaming.onResponseEnd(1))));
    }

    @Test
    void framesOfTwoAnswersInterleaveEachInItsOwnOrder() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults().withSendFrameLength(4), OutputMode.STREAMING,
                FramingRevision.EXP_0002);
        feed(reactor, "1 command-name eos a", "2 command-name eos b");
        List<ServerAction> actions = new ArrayList<>();
        actions.addAll(reactor.onResponseData(1, text("aaaaA")));
        actions.addAll(reactor.onResponseData(2, text("bbbbB")));
        actions.addAll(reactor.onResponseData(1, text("aaa")));
        actions.addAll(reactor.onResponseEnd(2));
        actions.addAll(reactor.onResponseEnd(1));
        assertEquals(List.of(frame2("1 bytes-response continuation aaaa"), frame2("2 bytes-response continuation bbbb"),
                frame2("2 bytes-response eos B"), frame2("1 bytes-response eos Aaaa")), sent(actions));
    }

    @Test
    void aRequestIdInFlightCannotBeReusedButAnAnsweredOneCan() {
        feed(streaming, "5 command-name eos one");
        List<ServerAction> reused = feed(streaming, "5 command-name eos two");
        assertInstanceOf(ServerAction.StopReading.class, reused.getLast(), reused.toString());
        assertTrue(((ServerAction.StopReading) reused.getLast()).message().contains("request id 5 is already in use"));
        List<ServerAction> end = streaming.onResponseEnd(1);
        Frame error = sent(end).getLast();
        assertEquals(FrameFlags.ERROR_PROTOCOL, error.flags());
        assertEquals(0, error.requestId());
        assertInstanceOf(ProtocolError.class, end.getLast());

        ServerReactor other = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING, FramingRevision.EXP_0002);
        feed(other, "5 command-name eos one");
        other.onResponseEnd(1);
        assertEquals(List.of(new RunCommand(2, 5, "two", List.of(), false)), feed(other, "5 command-name eos two"));
    }

    @Test
    void aCommandsFramesMustKeepItsRequestId() {
        List<ServerAction> actions = feed(streaming, "1 command-name have-data put", "2 command-data eos stray");
        assertInstanceOf(RunCommand.class, actions.getFirst());
        ServerAction.StopReading stop = assertInstanceOf(ServerAction.StopReading.class, actions.getLast());
        assertTrue(stop.message().contains("command-data frame of request 2 inside command 'put' of request 1"), stop.message());
    }

    @Test
    void deferredAnswersWaitForEndOfInputAndAnOverflowDropsOnlyItsOwnFrames() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults().withSendFrameLength(100).withMaxDeferredOutputBytes(300),
                OutputMode.DEFERRED, FramingRevision.EXP_0002);
        feed(reactor, "1 command-name eos small", "2 command-name eos huge");
        List<ServerAction> held = new ArrayList<>();
        held.addAll(reactor.onResponseData(2, ByteBuffer.allocate(130)));
        held.addAll(reactor.onResponseData(1, text("ok")));
        held.addAll(reactor.onResponseEnd(1));
        held.addAll(reactor.onResponseData(2, ByteBuffer.allocate(1000)));
        held.addAll(reactor.onResponseEnd(2));
        assertEquals(List.of(), sent(held), "nothing goes out before end of input");
        List<ServerAction> out = reactor.onInputEnd();
        List<Frame> frames = sent(out);
        assertEquals(frame2("1 bytes-response eos ok"), frames.get(0));
        assertEquals(2, frames.get(1).requestId());
        assertEquals(FrameFlags.ERROR_APPLICATION, frames.get(1).flags());
        assertTrue(frames.get(1).payloadText().contains("deferred-output limit"), frames.get(1).payloadText());
        assertEquals(2, frames.size());
        assertInstanceOf(EndOfOutput.class, out.getLast());
    }

    @Test
    void revision0001StillAnswersOldestFirst() {
        ServerReactor old = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);
        old.receive(ByteBuffer.wrap(TestFrames.wire("command-name eos a", "command-name eos b")));
        assertThrows(IllegalStateException.class, () -> old.onResponseEnd(2));
    }

    private static List<ServerAction> concat(List<ServerAction> first, List<ServerAction> second) {
        List<ServerAction> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
