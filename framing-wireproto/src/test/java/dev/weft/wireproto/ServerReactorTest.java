package dev.weft.wireproto;

import static dev.weft.wireproto.TestFrames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.wireproto.ServerAction.CommandData;
import dev.weft.wireproto.ServerAction.EndOfOutput;
import dev.weft.wireproto.ServerAction.ProtocolError;
import dev.weft.wireproto.ServerAction.RunCommand;
import dev.weft.wireproto.ServerAction.SendFrames;
import dev.weft.wireproto.ServerReactor.OutputMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerReactorTest {

    private final ServerReactor streaming = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);

    private static List<ServerAction> feed(ServerReactor reactor, String... frames) {
        return reactor.receive(ByteBuffer.wrap(TestFrames.wire(frames)));
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

    private static void assertProtocolError(List<ServerAction> actions, String messagePart) {
        assertEquals(2, actions.size(), actions.toString());
        Frame error = ((SendFrames) actions.get(0)).frames().getLast();
        assertEquals(FrameType.ERROR_RESPONSE, error.type());
        assertEquals(FrameFlags.ERROR_PROTOCOL, error.flags());
        String message = assertInstanceOf(ProtocolError.class, actions.get(1)).message();
        assertEquals(message, error.payloadText());
        assertTrue(message.contains(messagePart), message);
    }

    @Test
    void commandWithoutArgumentsRunsOnItsNameFrame() {
        List<ServerAction> actions = feed(streaming, "command-name eos heads");
        assertEquals(List.of(new RunCommand(1, "heads", List.of(), false)), actions);
        assertEquals(ServerReactor.State.IDLE, streaming.state());
    }

    @Test
    void argumentsCollectUntilEoa() {
        assertEquals(List.of(), feed(streaming, "command-name have-args lookup"));
        ByteBuffer both = ByteBuffer.wrap(concat(
                FrameCodec.encodeRaw(2, 0, TestFrames.argument("key", "tip")),
                FrameCodec.encodeRaw(2, FrameFlags.ARGUMENT_EOA, TestFrames.argument("other", ""))));
        List<ServerAction> actions = streaming.receive(both);
        assertEquals(List.of(new RunCommand(1, "lookup", List.of(Argument.of("key", "tip"), Argument.of("other", "")), false)),
                actions);
        assertEquals(ServerReactor.State.IDLE, streaming.state());
    }

    @Test
    void argumentValueSpansFramesThroughContinuation() {
        feed(streaming, "command-name have-args|have-data put");
        byte[] header = ByteBuffer.allocate(4 + 4 + 3).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 4)
                .putShort((short) 10).put("name".getBytes(StandardCharsets.US_ASCII)).put("abc".getBytes(StandardCharsets.US_ASCII)).array();
        assertEquals(List.of(ServerAction.WANT_FRAME),
                streaming.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, header)));
        assertEquals(ServerReactor.State.RECEIVING_ARGUMENT_CONTINUATION, streaming.state());
        assertEquals(List.of(ServerAction.WANT_FRAME), streaming.onFrame(frame("command-argument continuation defg")));
        List<ServerAction> actions = streaming.onFrame(frame("command-argument eoa hij"));
        assertEquals(List.of(new RunCommand(1, "put", List.of(Argument.of("name", "abcdefghij")), true)), actions);
        assertEquals(ServerReactor.State.RECEIVING_DATA, streaming.state());
    }

    @Test
    void argumentValuesAreKeptAsBytesAtEveryFrameSize() {
        // Client frames at several sizes, so values land whole, split, and one byte per frame.
        for (int frameSize : new int[] {9, 64, 300, WireprotoLimits.DEFAULT_SEND_FRAME_LENGTH}) {
            ClientReactor client = new ClientReactor(WireprotoLimits.defaults().withSendFrameLength(frameSize));
            List<Argument> arguments = new ArrayList<>();
            int index = 0;
            for (byte[] value : ByteValues.samples()) {
                arguments.add(new Argument("v" + index++, value));
            }
            ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);
            List<ServerAction> actions = new ArrayList<>();
            for (Frame frame : client.commandFrames("take", arguments, false)) {
                actions.addAll(reactor.receive(FrameCodec.encode(frame)));
            }
            RunCommand run = assertInstanceOf(RunCommand.class, actions.getLast(), actions.toString());
            assertEquals(arguments, run.arguments(), "frame size " + frameSize);
            for (int i = 0; i < arguments.size(); i++) {
                assertArrayEquals(ByteValues.samples().get(i), run.arguments().get(i).value());
            }
        }
    }

    @Test
    void continuedValueMustMatchItsDeclaredLength() {
        feed(streaming, "command-name have-args put");
        byte[] start = ByteBuffer.allocate(4 + 1 + 2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1).putShort((short) 5)
                .put((byte) 'k').put((byte) 'a').put((byte) 'b').array();
        streaming.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, start));
        assertProtocolError(streaming.onFrame(frame("command-argument eoa cdXY")), "continues past");
    }

    @Test
    void continuedValueEndingShortIsPartial() {
        feed(streaming, "command-name have-args put");
        byte[] start = ByteBuffer.allocate(4 + 1 + 2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1).putShort((short) 5)
                .put((byte) 'k').put((byte) 'a').put((byte) 'b').array();
        streaming.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, start));
        assertProtocolError(streaming.onFrame(frame("command-argument eoa c")), "partial argument value");
    }

    @Test
    void commandDataStreamsAfterTheCommandStarts() {
        List<ServerAction> actions = feed(streaming, "command-name have-data upload", "command-data continuation one",
                "command-data continuation ", "command-data eos two");
        assertEquals(3, actions.size(), actions.toString());
        assertEquals(new RunCommand(1, "upload", List.of(), true), actions.get(0));
        CommandData first = assertInstanceOf(CommandData.class, actions.get(1));
        assertEquals("one", StandardCharsets.UTF_8.decode(first.data()).toString());
        CommandData last = assertInstanceOf(CommandData.class, actions.get(2));
        assertTrue(last.last());
        assertEquals(1, last.commandId());
        assertEquals("two", StandardCharsets.UTF_8.decode(last.data()).toString());
        assertEquals(ServerReactor.State.IDLE, streaming.state());
    }

    @Test
    void severalCommandsInSequenceIncludingArgumentsOnlyOnes() {
        // The reference reactor dead-ended in a 'waiting' state after an arguments-only command.
        List<ServerAction> actions = feed(streaming, "command-name have-args a", "command-argument eoa \\x01\\x00\\x01\\x00kv",
                "command-name eos b", "command-name have-data c", "command-data eos ");
        assertEquals(List.of(1L, 2L, 3L), actions.stream().filter(RunCommand.class::isInstance)
                .map(action -> ((RunCommand) action).commandId()).toList());
        assertEquals(3, streaming.pendingCommands());
        assertEquals(List.of(frame("bytes-response eos A")), sent(answer(streaming, 1, "A")));
        assertEquals(List.of(frame("bytes-response eos B")), sent(answer(streaming, 2, "B")));
        assertEquals(List.of(frame("bytes-response eos C")), sent(answer(streaming, 3, "C")));
        assertEquals(0, streaming.pendingCommands());
    }

    @Test
    void answersMustComeOldestFirst() {
        feed(streaming, "command-name eos a", "command-name eos b");
        assertThrows(IllegalStateException.class, () -> streaming.onResponseEnd(2));
    }

    @Test
    void emptyResponseIsOneEosFrame() {
        feed(streaming, "command-name eos nothing");
        assertEquals(List.of(new SendFrames(List.of(new Frame(FrameType.BYTES_RESPONSE, FrameFlags.BYTES_EOS, new byte[0])))),
                streaming.onResponseEnd(1));
    }

    @Test
    void largeResponsesSplitAtTheFrameSizeWithEosOnTheLast() {
        for (int length : new int[] {1, 32767, 32768, 32769, 65536, 100_000}) {
            ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);
            feed(reactor, "command-name eos big");
            byte[] body = new byte[length];
            for (int i = 0; i < length; i++) {
                body[i] = (byte) i;
            }
            List<Frame> frames = new ArrayList<>();
            // Hand the body over in uneven chunks, as a handler would.
            for (int offset = 0; offset < length; offset += 7000) {
                frames.addAll(sent(reactor.onResponseData(1, ByteBuffer.wrap(body, offset, Math.min(7000, length - offset)))));
            }
            frames.addAll(sent(reactor.onResponseEnd(1)));
            assertEquals((length + 32767) / 32768, frames.size(), "frames for " + length);
            ByteBuffer joined = ByteBuffer.allocate(length);
            for (int i = 0; i < frames.size(); i++) {
                Frame frame = frames.get(i);
                assertTrue(frame.payload().length <= 32768);
                assertEquals(i == frames.size() - 1 ? FrameFlags.BYTES_EOS : FrameFlags.BYTES_CONTINUATION, frame.flags());
                joined.put(frame.payload());
            }
            assertArrayEquals(body, joined.array());
        }
    }

    @Test
    void applicationErrorCarriesTheMessage() {
        feed(streaming, "command-name eos fail");
        assertEquals(List.of(frame("error-response application it broke")), sent(streaming.onApplicationError(1, "it broke")));
    }

    @Test
    void deferredOutputWaitsForEndOfInputThenGoesOutInOrder() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.DEFERRED);
        feed(reactor, "command-name eos one", "command-name eos two");
        assertEquals(List.of(ServerAction.NOOP), reactor.onResponseData(1, ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8))));
        assertEquals(List.of(ServerAction.NOOP), reactor.onResponseEnd(1));
        assertEquals(List.of(ServerAction.NOOP), reactor.onApplicationError(2, "no"));
        List<ServerAction> atEnd = reactor.onInputEnd();
        assertEquals(List.of(new SendFrames(List.of(frame("bytes-response eos 1"), frame("error-response application no"))),
                new EndOfOutput()), atEnd);
    }

    @Test
    void deferredAnswersStillRunningAtEndOfInputStreamAfterIt() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.DEFERRED);
        feed(reactor, "command-name eos slow");
        assertEquals(List.of(ServerAction.NOOP), reactor.onInputEnd());
        assertEquals(List.of(new SendFrames(List.of(frame("bytes-response eos done"))), new EndOfOutput()),
                answer(reactor, 1, "done"));
    }

    @Test
    void deferredOutputOverItsBoundBecomesAnApplicationError() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults().withMaxDeferredOutputBytes(100_000), OutputMode.DEFERRED);
        feed(reactor, "command-name eos small", "command-name eos huge", "command-name eos after");
        answer(reactor, 1, "ok");
        for (int i = 0; i < 10; i++) {
            reactor.onResponseData(2, ByteBuffer.allocate(30_000));
        }
        reactor.onResponseEnd(2);
        answer(reactor, 3, "fine");
        List<Frame> frames = sent(reactor.onInputEnd());
        assertEquals(3, frames.size(), frames.toString());
        assertEquals(frame("bytes-response eos ok"), frames.get(0));
        assertEquals(FrameFlags.ERROR_APPLICATION, frames.get(1).flags());
        assertTrue(frames.get(1).payloadText().contains("deferred-output limit"), frames.get(1).payloadText());
        assertEquals(frame("bytes-response eos fine"), frames.get(2));
    }

    @Test
    void endOfInputWithNothingPendingEndsOutput() {
        assertEquals(List.of(new EndOfOutput()), streaming.onInputEnd());
    }

    @Test
    void endOfInputInsideACommandIsAProtocolError() {
        feed(streaming, "command-name have-args x");
        assertProtocolError(streaming.onInputEnd(), "input ended inside command 'x'");
    }

    @Test
    void endOfInputInsideAFrameIsAProtocolError() {
        byte[] wire = TestFrames.wire("command-name eos x");
        streaming.receive(ByteBuffer.wrap(wire, 0, 3));
        assertProtocolError(streaming.onInputEnd(), "inside a frame header");
    }

    @Test
    void protocolErrorFlushesDeferredAnswersFirst() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.DEFERRED);
        feed(reactor, "command-name eos one");
        answer(reactor, 1, "first");
        List<ServerAction> actions = feed(reactor, "bytes-response eos bogus");
        assertEquals(new SendFrames(List.of(frame("bytes-response eos first"))), actions.removeFirst());
        assertProtocolError(actions, "expected a command-name frame");
        assertEquals(List.of(), feed(reactor, "command-name eos ignored"));
    }

    @Test
    void protocolErrorWaitsForTheAnswersOfStartedCommands() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.DEFERRED);
        List<ServerAction> actions = feed(reactor, "command-name eos one", "command-name eos two", "command-data eos stray");
        assertEquals(3, actions.size(), actions.toString());
        assertTrue(assertInstanceOf(ServerAction.StopReading.class, actions.get(2)).message().contains("expected a command-name"));
        // Input is over, so answers now stream even in deferred mode; the error follows the last.
        assertEquals(List.of(frame("bytes-response eos 1")), sent(answer(reactor, 1, "1")));
        List<ServerAction> last = answer(reactor, 2, "2");
        assertEquals(new SendFrames(List.of(frame("bytes-response eos 2"))), last.removeFirst());
        assertProtocolError(last, "expected a command-name frame");
        assertEquals(0, reactor.pendingCommands());
    }

    @Test
    void malformedInputsAreProtocolErrors() {
        assertMalformed("command-name 0 x", "without flags");
        assertMalformed("command-name eos|have-args x", "eos excludes");
        assertMalformed("command-name eos|have-data x", "eos excludes");
        assertMalformed("command-name eos ", "empty name");
        assertMalformed("command-name 8 x", "undefined flags 8");
        assertMalformed("command-argument eoa \\x01\\x00\\x01\\x00kv", "expected a command-name");
        assertMalformed("command-data eos x", "expected a command-name");
        assertMalformed("error-response protocol x", "expected a command-name");
        assertMalformed(new String[] {"command-name have-args x", "command-argument eoa \\x01\\x00"}, "shorter than its 4-byte header");
        assertMalformed(new String[] {"command-name have-args x", "command-argument eoa \\x05\\x00\\x00\\x00ab"}, "partial argument name");
        assertMalformed(new String[] {"command-name have-args x", "command-argument eoa \\x01\\x00\\x05\\x00kab"}, "partial argument value");
        assertMalformed(new String[] {"command-name have-args x", "command-argument eoa \\x01\\x00\\x01\\x00kab"}, "overlong argument value");
        assertMalformed(new String[] {"command-name have-args x", "command-argument eoa \\x00\\x00\\x01\\x00a"}, "empty argument name");
        assertMalformed(new String[] {"command-name have-args x", "command-argument continuation|eoa \\x01\\x00\\x05\\x00kab"}, "continuation and eoa");
        assertMalformed(new String[] {"command-name have-args x", "command-argument continuation \\x01\\x00\\x01\\x00kv"}, "whole value");
        assertMalformed(new String[] {"command-name have-args x", "command-data eos d"}, "expected a command-argument");
        assertMalformed(new String[] {"command-name have-data x", "command-data 0 d"}, "without flags");
        assertMalformed(new String[] {"command-name have-data x", "command-data continuation|eos d"}, "both continuation and eos");
        assertMalformed(new String[] {"command-name have-data x", "command-name eos y"}, "expected a command-data");
    }

    @Test
    void argumentCountAndSizeAreBounded() {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults().withArgumentLimits(3, 1000), OutputMode.STREAMING);
        feed(reactor, "command-name have-args many");
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(ServerAction.WANT_FRAME), reactor.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, 0, TestFrames.argument("a" + i, "v"))));
        }
        assertProtocolError(reactor.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, 0, TestFrames.argument("a3", "v"))), "more than 3 arguments");

        ServerReactor sized = new ServerReactor(WireprotoLimits.defaults().withArgumentLimits(10, 1000), OutputMode.STREAMING);
        feed(sized, "command-name have-args big");
        // A declared 60000-byte value is refused from its header, before its frames arrive.
        byte[] claim = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1).putShort((short) 60000).put((byte) 'k').array();
        assertProtocolError(sized.onFrame(new Frame(FrameType.COMMAND_ARGUMENT, FrameFlags.ARGUMENT_CONTINUATION, claim)), "over the limit of 1000 bytes");
    }

    @Test
    void timeoutInsideACommandIsAProtocolErrorAndBetweenCommandsIsNot() {
        assertEquals(List.of(ServerAction.NOOP), streaming.onInputTimeout());
        feed(streaming, "command-name have-data put", "command-data continuation part");
        List<ServerAction> stop = streaming.onInputTimeout();
        assertEquals(List.of(new ServerAction.StopReading("timed out inside command 'put' (receiving command data)")), stop);
        List<ServerAction> actions = new ArrayList<>(streaming.onApplicationError(1, "its data was cut short"));
        assertEquals(new SendFrames(List.of(frame("error-response application its data was cut short"))), actions.removeFirst());
        assertProtocolError(actions, "timed out inside command 'put'");
    }

    @Test
    void frameOverTheLimitIsAProtocolError() {
        byte[] header = {0, 0, 1, 0x11};
        assertProtocolError(streaming.receive(ByteBuffer.wrap(header)), "frame length 65536 over the limit of 65535");
    }

    private void assertMalformed(String frame, String messagePart) {
        assertMalformed(new String[] {frame}, messagePart);
    }

    private void assertMalformed(String[] frames, String messagePart) {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(), OutputMode.STREAMING);
        List<ServerAction> actions = feed(reactor, frames);
        List<Long> started = actions.stream().filter(RunCommand.class::isInstance).map(action -> ((RunCommand) action).commandId()).toList();
        actions.removeIf(action -> action instanceof RunCommand || action instanceof CommandData);
        if (!started.isEmpty()) {
            // Started commands are answered before the error frame goes out.
            assertEquals(1, actions.size(), actions.toString());
            assertTrue(assertInstanceOf(ServerAction.StopReading.class, actions.getFirst()).message().contains(messagePart));
            actions = new ArrayList<>();
            for (long id : started) {
                actions.addAll(reactor.onApplicationError(id, "cut short"));
            }
            assertEquals(frame("error-response application cut short"), ((SendFrames) actions.removeFirst()).frames().getFirst());
        }
        assertProtocolError(actions, messagePart);
        assertEquals(ServerReactor.State.FAILED, reactor.state());
    }

    private static List<ServerAction> answer(ServerReactor reactor, long id, String text) {
        List<ServerAction> actions = new ArrayList<>(reactor.onResponseData(id, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))));
        actions.removeIf(ServerAction.Noop.class::isInstance);
        actions.addAll(reactor.onResponseEnd(id));
        return actions;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            out.put(part);
        }
        return out.array();
    }
}
