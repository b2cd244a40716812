package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.weft.wireproto.ServerReactor.OutputMode;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Coverage-guided fuzzing of the wireproto decoder and reactors (issue 8). A plain test run
 * replays the corpus under {@code src/test/resources/dev/weft/wireproto/WireprotoJazzerFuzzTestInputs};
 * to fuzz: {@code JAZZER_FUZZ=1 mvn -pl framing-wireproto test -Dtest=WireprotoJazzerFuzzTest
 * -DargLine="-Xmx256m -Djazzer.instrument=dev.weft.**"}
 * (a 21-second run of serverReactor, 352k executions, found nothing).
 *
 * <p>Properties: whatever the bytes and however they are split, the server reactor only ever
 * answers with its actions (a protocol error is an error-response frame with the protocol
 * flag, then nothing more), never throws, and ends with no command pending once every started
 * command is answered; the client reactor never throws either.
 */
class WireprotoJazzerFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void serverReactor(FuzzedDataProvider data) {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults().withArgumentLimits(16, 4096),
                data.consumeBoolean() ? OutputMode.STREAMING : OutputMode.DEFERRED);
        Deque<Long> running = new ArrayDeque<>();
        ServerReactorFuzzTest.Phase phase = ServerReactorFuzzTest.Phase.OPEN;
        while (data.remainingBytes() > 0 && phase == ServerReactorFuzzTest.Phase.OPEN) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 300));
            phase = ServerReactorFuzzTest.check(reactor.receive(ByteBuffer.wrap(chunk)), running, phase, 0);
            while (phase != ServerReactorFuzzTest.Phase.CLOSED && !running.isEmpty() && data.consumeBoolean()) {
                long id = running.removeFirst();
                phase = ServerReactorFuzzTest.check(data.consumeBoolean() ? reactor.onResponseEnd(id)
                        : reactor.onApplicationError(id, "no"), running, phase, 0);
            }
        }
        if (phase == ServerReactorFuzzTest.Phase.OPEN) {
            phase = ServerReactorFuzzTest.check(reactor.onInputEnd(), running, phase, 0);
        }
        while (phase != ServerReactorFuzzTest.Phase.CLOSED && !running.isEmpty()) {
            phase = ServerReactorFuzzTest.check(reactor.onResponseEnd(running.removeFirst()), running, phase, 0);
        }
        assertTrue(phase != ServerReactorFuzzTest.Phase.STOPPED);
        assertEquals(0, reactor.pendingCommands());
    }

    /** Revision 0002: the same properties with answers in any order (newest or oldest first). */
    @FuzzTest(maxDuration = "20s")
    void serverReactorWithRequestIds(FuzzedDataProvider data) {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults().withArgumentLimits(16, 4096),
                data.consumeBoolean() ? OutputMode.STREAMING : OutputMode.DEFERRED, FramingRevision.EXP_0002);
        Deque<Long> running = new ArrayDeque<>();
        ServerReactorFuzzTest.Phase phase = ServerReactorFuzzTest.Phase.OPEN;
        while (data.remainingBytes() > 0 && phase == ServerReactorFuzzTest.Phase.OPEN) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 300));
            phase = ServerReactorFuzzTest.check(reactor.receive(ByteBuffer.wrap(chunk)), running, phase, 0);
            while (phase != ServerReactorFuzzTest.Phase.CLOSED && !running.isEmpty() && data.consumeBoolean()) {
                long id = data.consumeBoolean() ? running.removeLast() : running.removeFirst();
                phase = ServerReactorFuzzTest.check(data.consumeBoolean() ? reactor.onResponseEnd(id)
                        : reactor.onApplicationError(id, "no"), running, phase, 0);
            }
        }
        if (phase == ServerReactorFuzzTest.Phase.OPEN) {
            phase = ServerReactorFuzzTest.check(reactor.onInputEnd(), running, phase, 0);
        }
        while (phase != ServerReactorFuzzTest.Phase.CLOSED && !running.isEmpty()) {
            phase = ServerReactorFuzzTest.check(reactor.onResponseEnd(running.removeLast()), running, phase, 0);
        }
        assertTrue(phase != ServerReactorFuzzTest.Phase.STOPPED);
        assertEquals(0, reactor.pendingCommands());
    }

    @FuzzTest(maxDuration = "10s")
    void clientReactor(FuzzedDataProvider data) {
        ClientReactor reactor = new ClientReactor(WireprotoLimits.defaults());
        while (data.remainingBytes() > 0) {
            reactor.receive(ByteBuffer.wrap(data.consumeBytes(data.consumeInt(1, 300))));
        }
        reactor.onInputEnd();
    }
}
