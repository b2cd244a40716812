package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.wireproto.ServerReactor.OutputMode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientReactorTest {
    private final ClientReactor client = new ClientReactor(WireprotoLimits.defaults());

    @Test
    void commandWithoutArgumentsOrDataIsOneEosFrame() {
        assertEquals(List.of(TestFrames.frame("command-name eos heads")), client.commandFrames("heads", List.of(), false));
    }

    @Test
    void argumentsEndWithEoaAndDataIsAnnounced() {
        List<Frame> frames = client.commandFrames("put", List.of(Argument.of("a", "1"), Argument.of("b", "22")), true);
        assertEquals(List.of(TestFrames.frame("command-name have-args|have-data put"),
                new Frame(FrameType.COMMAND_ARGUMENT, 0, TestFrames.argument("a", "1")),
                new Frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_EOA, TestFrames.argument("b", "22"))), frames);
    }

    @Test
    void valuesLongerThanAFrameSpanFramesAndTheServerReassemblesThem() {
        Random random = new Random(12);
        for (int length : new int[] {0, 1, 32762, 32763, 32764, 40000, 65535}) {
            byte[] value = new byte[length];
            random.nextBytes(value);
            List<Argument> arguments = List.of(new Argument("k", value), Argument.of("after", "x"));
            List<Frame> frames = client.commandFrames("cmd", arguments, false);
            for (Frame frame : frames) {
                assertTrue(frame.payload().length <= WireprotoLimits.DEFAULT_SEND_FRAME_LENGTH);
            }
            ServerReactor server = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);
            List<ServerAction> actions = new ArrayList<>();
            for (Frame frame : frames) {
                actions.addAll(server.receive(FrameCodec.encode(frame)));
            }
            ServerAction.RunCommand run = assertInstanceOf(ServerAction.RunCommand.class, actions.getLast());
            assertEquals(arguments, run.arguments(), "value of " + length + " bytes");
        }
    }

    @Test
    void dataSplitsAtTheFrameSizeWithEosOnTheLast() {
        List<Frame> frames = client.dataFrames(ByteBuffer.allocate(70000), true);
        assertEquals(List.of(32768, 32768, 4464), frames.stream().map(frame -> frame.payload().length).toList());
        assertEquals(List.of(1, 1, 2), frames.stream().map(Frame::flags).toList());
        assertEquals(List.of(TestFrames.frame("command-data eos ")), client.dataFrames(ByteBuffer.allocate(0), true));
    }

    @Test
    void refusesWhatTheWireCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> client.commandFrames("", List.of(), false));
        assertThrows(IllegalArgumentException.class, () -> client.commandFrames("x", List.of(new Argument("k", new byte[65536])), false));
    }

    @Test
    void responsesBecomeEvents() {
        List<ClientEvent> events = client.receive(ByteBuffer.wrap(TestFrames.wire("bytes-response continuation ab",
                "bytes-response eos c", "error-response application nope")));
        assertEquals(3, events.size());
        ClientEvent.ResponseData first = assertInstanceOf(ClientEvent.ResponseData.class, events.get(0));
        assertArrayEquals("ab".getBytes(), first.data().array());
        assertTrue(assertInstanceOf(ClientEvent.ResponseData.class, events.get(1)).last());
        assertEquals("nope", assertInstanceOf(ClientEvent.ApplicationError.class, events.get(2)).message());
    }

    @Test
    void malformedServerFramesStopTheClient() {
        List<ClientEvent> events = client.receive(ByteBuffer.wrap(TestFrames.wire("bytes-response continuation|eos x", "bytes-response eos y")));
        assertEquals(1, events.size());
        assertInstanceOf(ClientEvent.MalformedResponse.class, events.getFirst());
        ClientReactor other = new ClientReactor(WireprotoLimits.defaults());
        assertInstanceOf(ClientEvent.MalformedResponse.class, other.receive(ByteBuffer.wrap(TestFrames.wire("command-name eos x"))).getFirst());
        ClientReactor cut = new ClientReactor(WireprotoLimits.defaults());
        cut.receive(ByteBuffer.wrap(new byte[] {5, 0}));
        assertInstanceOf(ClientEvent.MalformedResponse.class, cut.onInputEnd().getFirst());
    }

    @Test
    void serverProtocolErrorIsReported() {
        List<ClientEvent> events = client.receive(ByteBuffer.wrap(TestFrames.wire("error-response protocol bad frame")));
        assertEquals("bad frame", assertInstanceOf(ClientEvent.ServerProtocolError.class, events.getFirst()).message());
    }
}
