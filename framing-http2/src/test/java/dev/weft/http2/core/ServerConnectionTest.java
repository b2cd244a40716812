package dev.weft.http2.core;

import static dev.weft.http2.core.ScriptedPeer.data;
import static dev.weft.http2.core.ScriptedPeer.get;
import static dev.weft.http2.core.ScriptedPeer.hex;
import static dev.weft.http2.core.ScriptedPeer.post;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server state machine, frame by frame, organised by section of RFC 9113 / RFC 7541. */
@Timeout(10)
class ServerConnectionTest {

    @Nested
    class Section3_4_Preface {
        @Test
        void answersPrefaceWithSettingsAndConnectionWindowUpdateExactly() {
            ScriptedPeer peer = new ScriptedPeer();
            peer.sendBytes(ServerConnection.PREFACE);
            byte[] expected = hex("00001e 04 00 00000000"
                    + "0002 00000000" // ENABLE_PUSH 0
                    + "0003 00000080" // MAX_CONCURRENT_STREAMS 128
                    + "0004 00100000" // INITIAL_WINDOW_SIZE 1 MiB
                    + "0005 00004000" // MAX_FRAME_SIZE 16 KiB
                    + "0006 00004000" // MAX_HEADER_LIST_SIZE 16 KiB
                    + "000004 08 00 00000000 003f0001"); // 4 MiB - 65535
            assertArrayEquals(expected, peer.outputBytes());
        }

        @Test
        void acceptsPrefaceSplitIntoSingleBytes() {
            ScriptedPeer peer = new ScriptedPeer();
            for (byte b : ServerConnection.PREFACE) {
                peer.sendBytes(new byte[] {b});
            }
            assertInstanceOf(Frame.Settings.class, peer.frames().get(0));
        }

        @Test
        void invalidPrefaceIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer();
            peer.sendBytes("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void http1RequestLineIsDetected() {
            ScriptedPeer peer = new ScriptedPeer();
            peer.sendBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(1, peer.events(Http2Event.Http1Detected.class).size());
            assertEquals(0, peer.outputBytes().length, "nothing binary goes to an HTTP/1 client");
        }

        @Test
        void nonHttpGarbageIsProtocolErrorNotHttp1() {
            ScriptedPeer peer = new ScriptedPeer();
            peer.sendBytes("INVALID CONNECTION PREFACE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
            assertEquals(0, peer.events(Http2Event.Http1Detected.class).size());
        }

        @Test
        void http1RequestLineSplitAcrossReadsIsDetected() {
            ScriptedPeer peer = new ScriptedPeer();
            peer.sendBytes("POST /upl".getBytes(StandardCharsets.US_ASCII));
            assertEquals(0, peer.events.size());
            peer.sendBytes("oad HTTP/1.0\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(1, peer.events(Http2Event.Http1Detected.class).size());
        }

        @Test
        void firstFrameMustBeSettings() {
            ScriptedPeer peer = new ScriptedPeer();
            peer.sendBytes(ServerConnection.PREFACE);
            peer.frames();
            peer.send(new Frame.Ping(false, 1));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Nested
    class Section4_FrameFormat {
        @Test
        void unknownFrameTypeIsIgnored() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000003 ff 00 00000000 010203"));
            peer.expectAlive();
        }

        @Test
        void unknownFlagsAndReservedBitAreIgnored() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000008 06 fe 80000000 0000000000000007"));
            assertEquals(List.of(new Frame.Ping(true, 7)), peer.frames());
        }

        @Test
        void frameLargerThanMaxFrameSizeIsFrameSizeError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(Frame.Data.of(1, ByteBuffer.allocate(16_385), false));
            peer.expectGoAway(ErrorCode.FRAME_SIZE_ERROR);
        }

        @Test
        void frameOfExactlyMaxFrameSizeIsAccepted() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(Frame.Data.of(1, ByteBuffer.allocate(16_384), false));
            assertEquals(16_384, peer.events(Http2Event.RequestData.class).get(0).data().remaining());
        }

        @Test
        void requestSplitAcrossReadsAtEveryOffset() {
            ScriptedPeer reference = new ScriptedPeer();
            byte[] whole = concat(ServerConnection.PREFACE,
                    FrameWriter.encodeToBuffer(new Frame.Settings(false, List.of())),
                    FrameWriter.encodeToBuffer(reference.headers(1, false, post("/echo"))),
                    FrameWriter.encodeToBuffer(data(1, "hello", true)));
            for (int split = 1; split < whole.length; split++) {
                ScriptedPeer peer = new ScriptedPeer();
                peer.sendBytes(java.util.Arrays.copyOfRange(whole, 0, split));
                peer.sendBytes(java.util.Arrays.copyOfRange(whole, split, whole.length));
                assertEquals("/echo", peer.events(Http2Event.RequestStarted.class).get(0).head().target(), "split " + split);
                assertEquals("hello", StandardCharsets.UTF_8.decode(
                        peer.events(Http2Event.RequestData.class).get(0).data()).toString());
            }
        }
    }

    @Nested
    class Section5_1_StreamStates {
        @Test
        void dataOnIdleStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(data(1, "x", true));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void rstStreamOnIdleStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.RstStream(1, ErrorCode.CANCEL.code()));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void windowUpdateOnIdleStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.WindowUpdate(1, 100));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void continuationOnIdleStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Continuation(1, ByteBuffer.wrap(peer.block(get("/"))), true));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void dataOnHalfClosedRemoteStreamIsStreamClosed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            peer.send(data(1, "x", true));
            peer.expectReset(1, ErrorCode.STREAM_CLOSED);
            assertEquals(1, peer.events(Http2Event.StreamReset.class).size());
        }

        @Test
        void headersOnHalfClosedRemoteStreamIsStreamClosed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            peer.send(peer.headers(1, true, "x-trailer", "1"));
            peer.expectReset(1, ErrorCode.STREAM_CLOSED);
        }

        @Test
        void dataAfterPeerResetIsStreamClosed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.RstStream(1, ErrorCode.CANCEL.code()));
            assertTrue(peer.events(Http2Event.StreamReset.class).get(0).byPeer());
            peer.send(data(1, "x", true));
            peer.expectReset(1, ErrorCode.STREAM_CLOSED);
        }

        @Test
        void headersOnStreamClosedByPeerResetIsConnectionStreamClosed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.RstStream(1, ErrorCode.CANCEL.code()));
            peer.send(peer.headers(1, true, get("/")));
            peer.expectGoAway(ErrorCode.STREAM_CLOSED);
        }

        @Test
        void dataAfterOurResetIsIgnoredButCreditedToTheConnection() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.server.resetStream(1, ErrorCode.CANCEL);
            peer.frames();
            for (int i = 0; i < 200; i++) {
                peer.send(Frame.Data.of(1, ByteBuffer.allocate(16_384), false));
            }
            List<Frame> frames = peer.frames();
            assertFalse(peer.server.isFailed());
            assertTrue(frames.stream().anyMatch(f -> f instanceof Frame.WindowUpdate w && w.streamId() == 0),
                    "discarded data must go back to the connection window: " + frames);
        }

        @Test
        void smallerStreamIdIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(5, false, post("/sink")));
            peer.send(peer.headers(3, true, get("/")));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void evenStreamIdFromClientIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(2, true, get("/")));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void streamsBeyondMaxConcurrentStreamsAreRefused() {
            ScriptedPeer peer = new ScriptedPeer(Http2Settings.defaults().withMaxConcurrentStreams(2)).handshake();
            peer.send(peer.headers(1, true, get("/")), peer.headers(3, true, get("/")), peer.headers(5, true, get("/")));
            peer.expectReset(5, ErrorCode.REFUSED_STREAM);
            assertEquals(2, peer.events(Http2Event.RequestStarted.class).size());
            assertEquals(List.of(new Http2Event.StreamRefused(5, 2)), peer.events(Http2Event.StreamRefused.class));
        }

        @Test
        void fullExchangeClosesStreamAndFreesConcurrency() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/hello")));
            assertTrue(peer.server.sendHeaders(1, List.of(new HeaderField(":status", "200")), false));
            assertTrue(peer.server.sendData(1, ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)), true));
            assertEquals(0, peer.server.activeStreams());
            List<Frame> frames = peer.frames();
            assertInstanceOf(Frame.Headers.class, frames.get(0));
            assertEquals(Frame.Data.of(1, ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)), true), frames.get(1));
        }
    }

    @Nested
    class Section5_3_Priority {
        @Test
        void priorityFrameIsIgnored() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Priority(3, new Frame.PriorityInfo(0, false, 16)));
            peer.expectAlive();
        }

        @Test
        void selfDependentPriorityIsStreamProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Priority(1, new Frame.PriorityInfo(1, false, 16)));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void selfDependentHeadersIsStreamProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(peer.block(get("/"))), true, true,
                    new Frame.PriorityInfo(1, false, 16), 0));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Nested
    class Section6_Frames {
        @Test
        void dataWithPadLengthBeyondPayloadIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.sendBytes(hex("000003 00 09 00000001 05 6869"));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void paddedDataDeliversOnlyTheData() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.sendBytes(hex("000005 00 09 00000001 02 6869 0000"));
            Http2Event.RequestData data = peer.events(Http2Event.RequestData.class).get(0);
            assertEquals("hi", StandardCharsets.US_ASCII.decode(data.data()).toString());
            assertTrue(data.endStream());
        }

        @Test
        void headersOnStreamZeroIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000001 01 05 00000000 82"));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void priorityWithWrongLengthIsStreamFrameSizeError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000004 02 00 00000001 00000000"));
            peer.expectReset(1, ErrorCode.FRAME_SIZE_ERROR);
        }

        @Test
        void rstStreamWithWrongLengthIsFrameSizeError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.sendBytes(hex("000003 03 00 00000001 000000"));
            peer.expectGoAway(ErrorCode.FRAME_SIZE_ERROR);
        }

        @Test
        void settingsAckWithPayloadIsFrameSizeError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000006 04 01 00000000 000100001000"));
            peer.expectGoAway(ErrorCode.FRAME_SIZE_ERROR);
        }

        @Test
        void settingsLengthNotMultipleOfSixIsFrameSizeError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000003 04 00 00000000 000100"));
            peer.expectGoAway(ErrorCode.FRAME_SIZE_ERROR);
        }

        @Test
        void settingsOnStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000000 04 00 00000001"));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @ParameterizedTest
        @ValueSource(strings = {"0002 00000002", "0005 00003fff", "0005 01000000"})
        void settingValueOutOfRangeIsProtocolError(String setting) {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000006 04 00 00000000" + setting));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void initialWindowSizeAboveMaximumIsFlowControlError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000006 04 00 00000000 0004 80000000"));
            peer.expectGoAway(ErrorCode.FLOW_CONTROL_ERROR);
        }

        @Test
        void unknownSettingIsIgnoredAndAcknowledged() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000006 04 00 00000000 00ff 00000001"));
            assertArrayEquals(hex("000000 04 01 00000000"), peer.outputBytes());
        }

        @Test
        void pingIsAnsweredWithSamePayloadExactly() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000008 06 00 00000000 0102030405060708"));
            assertArrayEquals(hex("000008 06 01 00000000 0102030405060708"), peer.outputBytes());
        }

        @Test
        void pingAckIsNotAnswered() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Ping(true, 5));
            assertEquals(0, peer.outputBytes().length);
        }

        @Test
        void pingWithWrongLengthOrStreamIsRejected() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000006 06 00 00000000 010203040506"));
            peer.expectGoAway(ErrorCode.FRAME_SIZE_ERROR);
            ScriptedPeer other = new ScriptedPeer().handshake();
            other.sendBytes(hex("000008 06 00 00000001 0102030405060708"));
            other.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void goAwayFromPeerIsReported() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.GoAway(0, ErrorCode.NO_ERROR.code(), ByteBuffer.wrap(new byte[] {'b', 'y', 'e'})));
            Http2Event.GoAwayReceived goAway = peer.events(Http2Event.GoAwayReceived.class).get(0);
            assertEquals("bye", goAway.debug());
            assertTrue(peer.server.isGoingAway());
        }

        @Test
        void goAwayOnStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000008 07 00 00000001 00000000 00000000"));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void windowUpdateOfZeroOnConnectionIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.WindowUpdate(0, 0));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void windowUpdateOfZeroOnStreamIsStreamProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.WindowUpdate(1, 0));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void windowUpdateOfZeroOnClosedStreamIsStillStreamProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            peer.server.sendHeaders(1, List.of(new HeaderField(":status", "204")), true);
            peer.frames();
            peer.send(new Frame.WindowUpdate(1, 0));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void windowUpdateOnClosedStreamIsIgnored() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            peer.server.sendHeaders(1, List.of(new HeaderField(":status", "204")), true);
            peer.send(new Frame.WindowUpdate(1, 10));
            peer.expectAlive();
        }

        @Test
        void windowUpdateWithWrongLengthIsFrameSizeError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.sendBytes(hex("000003 08 00 00000000 000001"));
            peer.expectGoAway(ErrorCode.FRAME_SIZE_ERROR);
        }

        @Test
        void pushPromiseFromClientIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.PushPromise(1, 2, ByteBuffer.wrap(peer.block(get("/"))), true, 0));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Nested
    class Section6_10_Continuation {
        @Test
        void headerBlockSplitOverContinuationsIsAssembled() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            byte[] block = peer.block(get("/split", "x-a", "1", "x-b", "2"));
            int third = block.length / 3;
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(block, 0, third).slice(), true, false, null, 0),
                    new Frame.Continuation(1, ByteBuffer.wrap(block, third, third).slice(), false),
                    new Frame.Continuation(1, ByteBuffer.wrap(block, 2 * third, block.length - 2 * third).slice(), true));
            RequestHead head = peer.events(Http2Event.RequestStarted.class).get(0).head();
            assertEquals("/split", head.target());
            assertEquals("2", head.headers().get("x-b"));
        }

        @Test
        void otherFrameInsideHeaderBlockIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(peer.block(get("/"))), true, false, null, 0));
            peer.send(new Frame.Priority(3, new Frame.PriorityInfo(0, false, 16)));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void unknownFrameInsideHeaderBlockIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(peer.block(get("/"))), true, false, null, 0));
            peer.sendBytes(hex("000000 ee 00 00000001"));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void continuationOnOtherStreamIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            byte[] block = peer.block(get("/"));
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(block, 0, 2).slice(), true, false, null, 0));
            peer.send(new Frame.Continuation(3, ByteBuffer.wrap(block, 2, block.length - 2).slice(), true));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void continuationAfterEndHeadersIsProtocolError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.Continuation(1, ByteBuffer.wrap(peer.block("x-a", "b")), true));
            peer.expectGoAway(ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Nested
    class Section6_9_FlowControl {
        @Test
        void dataBeyondStreamWindowIsStreamFlowControlError() {
            Http2Settings small = Http2Settings.defaults().withWindows(65_535, 1 << 20);
            ScriptedPeer peer = new ScriptedPeer(small).handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            for (int i = 0; i < 4; i++) {
                peer.send(Frame.Data.of(1, ByteBuffer.allocate(16_000), false));
            }
            peer.send(Frame.Data.of(1, ByteBuffer.allocate(1_536), false));
            peer.expectReset(1, ErrorCode.FLOW_CONTROL_ERROR);
        }

        @Test
        void dataBeyondConnectionWindowIsConnectionFlowControlError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            for (int stream = 1; stream <= 11; stream += 2) {
                peer.send(peer.headers(stream, false, post("/sink")));
                for (int i = 0; i < 64 && !peer.server.isFailed(); i++) {
                    peer.send(Frame.Data.of(stream, ByteBuffer.allocate(16_384), false));
                }
            }
            peer.expectGoAway(ErrorCode.FLOW_CONTROL_ERROR);
        }

        @Test
        void consumedDataIsCreditedBackInHalfWindowSteps() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            for (int i = 0; i < 32; i++) {
                peer.send(Frame.Data.of(1, ByteBuffer.allocate(16_384), false));
            }
            peer.server.dataConsumed(1, 256 * 1024);
            assertEquals(List.of(), peer.frames(), "a quarter of the window is not worth an update yet");
            peer.server.dataConsumed(1, 256 * 1024);
            assertEquals(List.of(new Frame.WindowUpdate(1, 512 * 1024)), peer.frames());
        }

        @Test
        void sendWindowFollowsPeerInitialWindowSizeAndUpdates() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            assertEquals(65_535, peer.server.sendWindow(1));
            peer.send(new Frame.Settings(false, List.of(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 1))));
            assertEquals(1, peer.server.sendWindow(1));
            peer.send(new Frame.WindowUpdate(1, 99));
            assertEquals(100, peer.server.sendWindow(1));
            assertTrue(peer.events(Http2Event.WindowOpened.class).stream().anyMatch(e -> e.streamId() == 1));
        }

        @Test
        void loweredInitialWindowCanMakeWindowNegative() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            peer.server.sendHeaders(1, List.of(new HeaderField(":status", "200")), false);
            peer.server.sendData(1, ByteBuffer.allocate(1000), false);
            peer.send(new Frame.Settings(false, List.of(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 500))));
            assertEquals(0, peer.server.sendWindow(1));
            peer.send(new Frame.WindowUpdate(1, 600));
            assertEquals(100, peer.server.sendWindow(1));
        }

        @Test
        void connectionWindowOverflowIsFlowControlError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.WindowUpdate(0, Frame.MAX_31_BIT));
            peer.expectGoAway(ErrorCode.FLOW_CONTROL_ERROR);
        }

        @Test
        void streamWindowOverflowIsStreamFlowControlError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.WindowUpdate(1, Frame.MAX_31_BIT));
            peer.expectReset(1, ErrorCode.FLOW_CONTROL_ERROR);
        }

        @Test
        void initialWindowChangeOverflowingAStreamIsConnectionFlowControlError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.send(new Frame.WindowUpdate(1, Frame.MAX_31_BIT - 65_535));
            peer.send(new Frame.Settings(false, List.of(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 65_536))));
            peer.expectGoAway(ErrorCode.FLOW_CONTROL_ERROR);
        }

        @Test
        void outgoingDataIsSplitToPeerMaxFrameSize() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/")));
            peer.server.sendHeaders(1, List.of(new HeaderField(":status", "200")), false);
            peer.server.sendData(1, ByteBuffer.allocate(40_000), true);
            List<Frame> frames = peer.frames();
            assertEquals(List.of(16_384, 16_384, 7_232), frames.stream().skip(1)
                    .map(f -> ((Frame.Data) f).data().remaining()).toList());
            assertTrue(((Frame.Data) frames.get(3)).endStream());
        }
    }

    @Nested
    class Section8_Messages {
        @ParameterizedTest
        @ValueSource(strings = {
            "x-Upper|1", ":unknown|1", ":status|200", "connection|close", "transfer-encoding|chunked",
            "te|gzip", "upgrade|h2c", "keep-alive|5", "x-bad|a\nb", "x-space| padded"})
        void malformedFieldIsStreamProtocolError(String field) {
            String[] parts = field.split("\\|", 2);
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/", parts[0], parts[1])));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
            assertEquals(0, peer.events(Http2Event.RequestStarted.class).size());
        }

        @Test
        void pseudoHeaderAfterRegularIsMalformed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, ":method", "GET", ":scheme", "http", "x-a", "1", ":path", "/"));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @ParameterizedTest
        @ValueSource(strings = {":method", ":scheme", ":path"})
        void missingPseudoHeaderIsMalformed(String missing) {
            String[] all = {":method", "GET", ":scheme", "http", ":path", "/"};
            java.util.List<String> fields = new java.util.ArrayList<>();
            for (int i = 0; i < all.length; i += 2) {
                if (!all[i].equals(missing)) {
                    fields.add(all[i]);
                    fields.add(all[i + 1]);
                }
            }
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, fields.toArray(String[]::new)));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void duplicatePseudoHeaderAndEmptyPathAreMalformed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/", ":path", "/again")));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
            peer.send(peer.headers(3, true, ":method", "GET", ":scheme", "http", ":path", ""));
            peer.expectReset(3, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void teTrailersAndCookieCrumbsAreAccepted() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, true, get("/", "te", "trailers", "cookie", "a=1", "cookie", "b=2")));
            RequestHead head = peer.events(Http2Event.RequestStarted.class).get(0).head();
            assertEquals("a=1; b=2", head.headers().get("cookie"));
            assertEquals("trailers", head.headers().get("te"));
        }

        @Test
        void dataShorterThanContentLengthIsMalformed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink", "content-length", "10")));
            peer.send(data(1, "short", true));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void dataLongerThanContentLengthIsMalformed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink", "content-length", "1")));
            peer.send(data(1, "test", false));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void trailersEndTheRequest() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/echo")));
            peer.send(data(1, "abc", false));
            peer.send(peer.headers(1, true, "x-checksum", "42"));
            assertEquals("42", peer.events(Http2Event.RequestTrailers.class).get(0).trailers().get("x-checksum"));
        }

        @Test
        void trailersWithoutEndStreamAreMalformed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/echo")));
            peer.send(peer.headers(1, false, "x-checksum", "42"));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void pseudoHeaderInTrailersIsMalformed() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/echo")));
            peer.send(peer.headers(1, true, ":method", "GET"));
            peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        }

        @Test
        void connectNeedsOnlyAuthority() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, ":method", "CONNECT", ":authority", "example.com:443"));
            assertEquals("CONNECT", peer.events(Http2Event.RequestStarted.class).get(0).head().method());
        }
    }

    @Nested
    class Rfc7541_Hpack {
        @Test
        void indexedFieldWithIndexZeroIsCompressionError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("80")), true, true, null, 0));
            peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
        }

        @Test
        void indexBeyondTablesIsCompressionError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("82 86 84 be")), true, true, null, 0));
            peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
        }

        @Test
        void tableSizeUpdateAfterFieldIsCompressionError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("82 86 84 3f e1 1f")), true, true, null, 0));
            peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
        }

        @Test
        void tableSizeUpdateAtStartWithinLimitIsAccepted() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("20 82 86 84 41 8a 08 9d 5c 0b 81 70 dc 78 0f 03")),
                    true, true, null, 0));
            assertEquals(1, peer.events(Http2Event.RequestStarted.class).size());
        }

        @Test
        void tableSizeUpdateAboveOurSettingIsCompressionError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("3f e2 1f 82 86 84")), true, true, null, 0));
            peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
        }

        @Test
        void truncatedRepresentationIsCompressionError() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("82 86 84 41 8a 08")), true, true, null, 0));
            peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
        }

        @Test
        void validHuffmanIsAccepted() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("82 86 84 41 81 1f")), true, true, null, 0));
            assertEquals("a", peer.events(Http2Event.RequestStarted.class).get(0).head().authority());
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "82 86 84 41 82 1fff", // 'a' (00011) then 11 bits of padding
            "82 86 84 41 81 18", // 'a' padded with zeros
            "82 86 84 41 85 1fffffffff"}) // 'a', then the 30-bit EOS symbol
        void badHuffmanIsCompressionError(String block) {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex(block)), true, true, null, 0));
            peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
        }

        @Test
        void headerListOverLimitGets431AndTableStaysInStep() {
            ScriptedPeer peer = new ScriptedPeer(Http2Settings.defaults().withMaxHeaderListSize(1024)).handshake();
            // 100 fields of 10 octets count 100 * (10 + 32) = 4,200 > 1,024 with the per-field overhead.
            String[] fields = get("/big");
            java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(fields));
            for (int i = 0; i < 100; i++) {
                all.add("x-f" + i);
                all.add("v" + i);
            }
            peer.send(peer.headers(1, true, all.toArray(String[]::new)));
            List<Frame> frames = peer.frames();
            assertInstanceOf(Frame.Headers.class, frames.get(0));
            HeaderBlockDecoder client = new HeaderBlockDecoder(65_536, 4096);
            Frame.Headers answer = (Frame.Headers) frames.get(0);
            byte[] block = new byte[answer.fragment().remaining()];
            answer.fragment().get(block);
            assertEquals(new HeaderField(":status", "431"), assertDecodes(client, block).get(0));
            assertTrue(answer.endStream());
            assertEquals(0, peer.events(Http2Event.RequestStarted.class).size());
            // The dynamic table followed the whole block, so the next request decodes fine.
            peer.send(peer.headers(3, true, get("/next", "x-f1", "v1")));
            assertEquals("v1", peer.events(Http2Event.RequestStarted.class).get(0).head().headers().get("x-f1"));
        }

        private List<HeaderField> assertDecodes(HeaderBlockDecoder decoder, byte[] block) {
            try {
                HeaderBlockDecoder.Result result = decoder.decode(block);
                assertFalse(result.overLimit());
                return result.fields();
            } catch (ConnectionError e) {
                throw new AssertionError(e);
            }
        }

        @Test
        void tableSizeLoweredThenRaisedSignalsSmallestThenFinal() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Settings(false, List.of(new Frame.Setting(SettingId.HEADER_TABLE_SIZE.code(), 0),
                    new Frame.Setting(SettingId.HEADER_TABLE_SIZE.code(), 4096))));
            peer.send(peer.headers(1, true, get("/")));
            peer.frames();
            peer.server.sendHeaders(1, List.of(new HeaderField(":status", "200")), true);
            Frame.Headers headers = (Frame.Headers) peer.frames().get(0);
            // RFC 7541 §4.2: 0 (the smallest since the last block), then 4096 (the final value).
            assertEquals(ByteBuffer.wrap(hex("20 3fe11f 88")), headers.fragment());
        }

        @Test
        void peerTableSizeZeroMakesEncoderSignalIt() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Settings(false, List.of(new Frame.Setting(SettingId.HEADER_TABLE_SIZE.code(), 0))));
            peer.send(peer.headers(1, true, get("/")));
            peer.frames();
            peer.server.sendHeaders(1, List.of(new HeaderField(":status", "200")), true);
            Frame.Headers headers = (Frame.Headers) peer.frames().get(0);
            assertEquals(0x20, headers.fragment().get(0) & 0xff, "block starts with a size update to 0");
        }
    }

    @Nested
    class Issue8_HostilePeers {
        @Test
        void rapidResetExhaustsBudgetWithEnhanceYourCalm() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            int stream = 1;
            for (int i = 0; i < 1000 && !peer.server.isFailed(); i++, stream += 2) {
                peer.send(peer.headers(stream, false, post("/sink")));
                peer.send(new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
            }
            assertTrue(stream < 2 * 250, "tripped within the budget of 200 resets, at stream " + stream);
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void completedStreamsEarnNoResetsBack() {
            // The old refill per completed stream let a peer reset at half its request rate forever.
            ScriptedPeer peer = new ScriptedPeer().handshake();
            int resets = 0;
            for (int stream = 1; resets < 1000 && !peer.server.isFailed(); stream += 4, resets++) {
                peer.send(peer.headers(stream, false, post("/sink")));
                peer.send(new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
                peer.send(peer.headers(stream + 2, true, get("/")));
                peer.server.sendHeaders(stream + 2, List.of(new HeaderField(":status", "204")), true);
            }
            assertEquals(201, resets, "the clock did not move: the burst of 200 is all there is");
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void resetsFasterThanTheRefillRateTripOnceTheBurstIsSpent() {
            // 100 resets/s against a refill of 50/s: the burst of 200 lasts about 4 s.
            ScriptedPeer peer = new ScriptedPeer().handshake();
            int resets = 0;
            for (int stream = 1; resets < 10_000 && !peer.server.isFailed(); stream += 2, resets++) {
                peer.advance(Duration.ofMillis(10));
                peer.send(peer.headers(stream, false, post("/sink")));
                peer.send(new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
            }
            assertTrue(resets > 390 && resets < 410, "tripped after " + resets + " resets (about 4 s)");
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void busyHonestClientThatCancelsSomeStreamsIsNotClosed() {
            // Three simulated minutes of 100 requests/s; one in four cancelled (25/s, under the refill
            // of 50/s), and every 30 s a page navigation that cancels 150 streams at once (the burst).
            ScriptedPeer peer = new ScriptedPeer().handshake();
            int stream = 1;
            int cancelled = 0;
            for (int second = 0; second < 180; second++) {
                for (int i = 0; i < 100; i++, stream += 2) {
                    peer.advance(Duration.ofMillis(10));
                    if (i % 4 == 0) {
                        peer.send(peer.headers(stream, false, post("/sink")));
                        peer.send(new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
                        cancelled++;
                    } else {
                        peer.send(peer.headers(stream, true, get("/")));
                        peer.server.sendHeaders(stream, List.of(new HeaderField(":status", "204")), true);
                    }
                }
                if (second % 30 == 29) {
                    for (int i = 0; i < 150; i++, stream += 2) {
                        peer.send(peer.headers(stream, false, post("/sink")));
                        peer.send(new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
                        cancelled++;
                    }
                }
                peer.frames();
            }
            assertFalse(peer.server.isFailed(), "closed after " + cancelled + " cancels");
            assertEquals(180 * 25 + 6 * 150, cancelled);
        }

        @Test
        void continuationFloodIsCut() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("82")), true, false, null, 0));
            for (int i = 0; i < 100 && !peer.server.isFailed(); i++) {
                peer.send(new Frame.Continuation(1, ByteBuffer.allocate(0), false));
            }
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void oversizedHeaderBlockIsCutBeforeMemoryGrows() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(new Frame.Headers(1, ByteBuffer.allocate(16_000), true, false, null, 0));
            for (int i = 0; i < 10 && !peer.server.isFailed(); i++) {
                peer.send(new Frame.Continuation(1, ByteBuffer.allocate(16_000), false));
            }
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void pingFloodWhilePeerDoesNotReadIsCut() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            for (int i = 0; i < 2000 && !peer.server.isFailed(); i++) {
                peer.send(new Frame.Ping(false, i));
            }
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void pingsAnsweredWhilePeerReadsAreFine() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            for (int i = 0; i < 5000; i++) {
                peer.send(new Frame.Ping(false, i));
                peer.server.controlFramesDrained();
            }
            assertFalse(peer.server.isFailed());
        }

        @Test
        void emptyDataFloodIsCut() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            for (int i = 0; i < 200 && !peer.server.isFailed(); i++) {
                peer.send(Frame.Data.of(1, ByteBuffer.allocate(0), false));
            }
            peer.expectGoAway(ErrorCode.ENHANCE_YOUR_CALM);
        }

        @Test
        void hpackBombIsRejectedByListSize() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            // One 4 KB entry in the dynamic table, then referenced 1,000 times: 4 MB decoded from 4 KB.
            String big = "x".repeat(4000);
            byte[] first = peer.block(get("/", "x-bomb", big));
            peer.send(new Frame.Headers(1, ByteBuffer.wrap(first), true, true, null, 0));
            peer.frames();
            byte[] refs = new byte[1000];
            java.util.Arrays.fill(refs, (byte) 0xbe); // index 62: the newest dynamic entry
            byte[] prefix = peer.block(get("/"));
            peer.send(new Frame.Headers(3, ByteBuffer.wrap(concat(prefix, refs)), true, true, null, 0));
            List<Frame> frames = peer.frames();
            assertInstanceOf(Frame.Headers.class, frames.get(0), "431 expected: " + frames);
            assertEquals(1, peer.events(Http2Event.RequestStarted.class).size(), "only the first request started");
        }
    }

    @Nested
    class Section6_8_GracefulShutdown {
        @Test
        void goAwayCarriesLastStreamAndLaterStreamsAreIgnored() {
            ScriptedPeer peer = new ScriptedPeer().handshake();
            peer.send(peer.headers(1, false, post("/sink")));
            peer.server.goAway(ErrorCode.NO_ERROR, "shutting down");
            Frame.GoAway goAway = (Frame.GoAway) peer.frames().get(0);
            assertEquals(1, goAway.lastStreamId());
            peer.send(peer.headers(3, true, get("/")));
            assertEquals(1, peer.events(Http2Event.RequestStarted.class).size());
            peer.send(data(1, "still served", true));
            assertEquals(1, peer.events(Http2Event.RequestData.class).size());
        }
    }

    static byte[] concat(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof byte[] bytes) {
                out.writeBytes(bytes);
            } else {
                ByteBuffer buffer = ((ByteBuffer) part).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                out.writeBytes(bytes);
            }
        }
        return out.toByteArray();
    }
}
