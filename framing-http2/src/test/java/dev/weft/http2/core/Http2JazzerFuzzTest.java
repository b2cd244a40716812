package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.weft.http2.Http2Settings;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the HTTP/2 core (issue 8): the frame reader, header-block decoding
 * and the whole server connection. A plain test run replays the seeds under
 * {@code src/test/resources/dev/weft/http2/core/Http2JazzerFuzzTestInputs} in seconds; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn -pl framing-http2 -am test -Dtest=Http2JazzerFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (see docs/LIMITS.md).
 *
 * <p>Each input is split into reads by its own bytes (the first octet picks the read size), so
 * the fuzzer also explores frames cut anywhere.
 */
@Timeout(60) // per input in regression mode; while fuzzing, Jazzer takes it as its per-input timeout
class Http2JazzerFuzzTest {
    private static final int MAX_FRAME_SIZE = FrameReader.MIN_MAX_FRAME_SIZE;

    /**
     * Whatever the bytes and the splits: only {@link Http2Exception}s, no frame longer than the
     * frame size, and nothing read after a connection error.
     */
    @FuzzTest(maxDuration = "20s")
    void frameReader(byte[] input) {
        FrameReader reader = new FrameReader(MAX_FRAME_SIZE);
        int split = input.length == 0 ? 1 : 1 + (input[0] & 0x3f);
        for (int at = Math.min(1, input.length); at < input.length; at += split) {
            ByteBuffer read = ByteBuffer.wrap(input, at, Math.min(split, input.length - at));
            while (read.hasRemaining()) {
                Frame frame;
                try {
                    frame = reader.next(read);
                } catch (StreamError e) {
                    continue; // the frame was consumed; the connection goes on
                } catch (ConnectionError e) {
                    return; // the connection ends here
                } catch (Http2Exception e) {
                    throw new AssertionError("an Http2Exception that is neither scope: " + e, e);
                }
                if (frame == null) {
                    assertTrue(!read.hasRemaining(), "null while bytes remain");
                    break;
                }
                assertTrue(payloadLength(frame) <= MAX_FRAME_SIZE, () -> "frame over the limit: " + frame);
            }
        }
    }

    /**
     * Header blocks as the connection feeds them: only COMPRESSION_ERROR escapes, and a list that
     * is not over the limit fits it with 32 octets per field (the HPACK bomb cap).
     */
    @FuzzTest(maxDuration = "20s")
    void headerBlocks(byte[] input) {
        int maxList = 1024;
        HeaderBlockDecoder decoder = new HeaderBlockDecoder(maxList, 4096);
        int split = input.length == 0 ? 1 : 1 + (input[0] & 0xff);
        for (int at = Math.min(1, input.length); at < input.length; at += split) {
            byte[] block = java.util.Arrays.copyOfRange(input, at, Math.min(input.length, at + split));
            HeaderBlockDecoder.Result result;
            try {
                result = decoder.decode(block);
            } catch (ConnectionError e) {
                assertEquals(ErrorCode.COMPRESSION_ERROR, e.code(), e::getMessage);
                return; // the connection is over; its table is gone with it
            }
            if (result.overLimit()) {
                assertTrue(result.fields().isEmpty(), "fields handed out from an over-limit block");
            } else {
                int size = result.fields().stream().mapToInt(HeaderField::listSize).sum();
                assertTrue(size <= maxList, () -> "decoded list of " + size + " over " + maxList);
            }
        }
    }

    /**
     * The whole connection after a valid preface: never throws, keeps at most
     * MAX_CONCURRENT_STREAMS streams, and its output stays proportional to its input (no
     * amplification a flood could exploit).
     */
    @FuzzTest(maxDuration = "30s")
    void serverConnection(byte[] input) {
        ServerConnection server = new ServerConnection(Http2Settings.defaults().withMaxConcurrentStreams(8));
        server.receive(ByteBuffer.wrap(ServerConnection.PREFACE));
        server.receive(ByteBuffer.wrap(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0})); // empty SETTINGS
        drain(server);
        int split = input.length == 0 ? 1 : 1 + (input[0] & 0x7f);
        long output = 0;
        for (int at = Math.min(1, input.length); at < input.length && !server.isFailed(); at += split) {
            server.receive(ByteBuffer.wrap(input, at, Math.min(split, input.length - at)));
            List<Http2Event> events = server.pollEvents();
            for (Http2Event event : events) {
                if (event instanceof Http2Event.RequestStarted started) {
                    // Answer like a handler would, so streams finish and stay under the cap.
                    server.sendHeaders(started.streamId(), List.of(new HeaderField(":status", "200")), true);
                }
            }
            output += drain(server);
            assertTrue(server.activeStreams() <= 8, "streams over the cap");
        }
        long limit = 4_096 + 64L * input.length;
        long finalOutput = output;
        assertTrue(finalOutput <= limit, () -> finalOutput + " octets out for " + input.length + " in");
    }

    private static long drain(ServerConnection server) {
        long octets = 0;
        ByteBuffer next;
        while ((next = server.pollOutput()) != null) {
            octets += next.remaining();
        }
        server.controlFramesDrained();
        return octets;
    }

    private static int payloadLength(Frame frame) {
        return switch (frame) {
            case Frame.Data data -> data.data().remaining() + data.padding();
            case Frame.Headers headers -> headers.fragment().remaining();
            case Frame.Continuation continuation -> continuation.fragment().remaining();
            case Frame.PushPromise push -> push.fragment().remaining();
            case Frame.GoAway goAway -> 8 + goAway.debugData().remaining();
            case Frame.Settings settings -> 6 * settings.settings().size();
            case Frame.Unknown unknown -> unknown.length();
            case Frame.Priority priority -> 5;
            case Frame.RstStream rst -> 4;
            case Frame.Ping ping -> 8;
            case Frame.WindowUpdate update -> 4;
        };
    }
}
