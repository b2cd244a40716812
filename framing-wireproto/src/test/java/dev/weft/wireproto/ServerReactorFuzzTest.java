package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.wireproto.ServerReactor.OutputMode;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated byte streams through the server reactor: whatever comes in, the only
 * failure is a protocol error (error frame, then ProtocolError), nothing throws, every call
 * returns, and answered commands keep the output consistent. Bounded: a fixed count of cases
 * with fixed seeds, so a failure reproduces.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerReactorFuzzTest {

    private static final int CASES = 20_000;

    @Test
    void randomBytesOnlyEverGiveProtocolErrors() {
        Random random = new Random(8);
        for (int i = 0; i < CASES; i++) {
            byte[] input = new byte[random.nextInt(200)];
            random.nextBytes(input);
            run(input, random, i);
        }
    }

    @Test
    void mutatedValidStreamsOnlyEverGiveProtocolErrors() {
        Random random = new Random(25);
        byte[] valid = TestFrames.wire("command-name have-args|have-data put",
                "command-argument 0 \\x03\\x00\\x02\\x00keyv1",
                "command-argument continuation \\x01\\x00\\x06\\x00kab",
                "command-argument eoa cdef",
                "command-data continuation hello",
                "command-data eos world",
                "command-name eos heads",
                "command-name have-args a",
                "command-argument eoa \\x01\\x00\\x00\\x00k");
        run(valid.clone(), random, -1);
        for (int i = 0; i < CASES; i++) {
            byte[] input = valid.clone();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                int at = random.nextInt(input.length);
                switch (random.nextInt(3)) {
                    case 0 -> input[at] = (byte) random.nextInt(256);
                    case 1 -> input[at] ^= (byte) (1 << random.nextInt(8));
                    default -> input = java.util.Arrays.copyOf(input, at);
                }
                if (input.length == 0) {
                    break;
                }
            }
            run(input, random, i);
        }
    }

    /** Where a stream stands: reading, stopped by a protocol error while answers are owed, closed. */
    enum Phase { OPEN, STOPPED, CLOSED }

    private static void run(byte[] input, Random random, int caseNumber) {
        ServerReactor reactor = new ServerReactor(WireprotoLimits.defaults(),
                random.nextBoolean() ? OutputMode.STREAMING : OutputMode.DEFERRED);
        Deque<Long> running = new ArrayDeque<>();
        Phase phase = Phase.OPEN;
        int offset = 0;
        while (offset < input.length && phase == Phase.OPEN) {
            int chunk = 1 + random.nextInt(Math.min(input.length - offset, 40));
            List<ServerAction> actions = reactor.receive(ByteBuffer.wrap(input, offset, chunk));
            offset += chunk;
            phase = check(actions, running, phase, caseNumber);
            // Answer some commands as they start, as a carrier would.
            while (phase != Phase.CLOSED && !running.isEmpty() && random.nextBoolean()) {
                phase = answer(reactor, running, random, phase, caseNumber);
            }
        }
        if (phase == Phase.OPEN) {
            phase = check(reactor.onInputEnd(), running, phase, caseNumber);
        }
        while (phase != Phase.CLOSED && !running.isEmpty()) {
            phase = answer(reactor, running, random, phase, caseNumber);
        }
        assertTrue(phase != Phase.STOPPED, "a protocol error must close once its owed answers are out, case " + caseNumber);
        assertEquals(0, reactor.pendingCommands(), "case " + caseNumber);
        assertEquals(phase == Phase.CLOSED, reactor.state() == ServerReactor.State.FAILED, "case " + caseNumber);
    }

    private static Phase answer(ServerReactor reactor, Deque<Long> running, Random random, Phase phase, int caseNumber) {
        long id = running.removeFirst();
        return check(random.nextBoolean() ? reactor.onResponseEnd(id) : reactor.onApplicationError(id, "no"), running, phase, caseNumber);
    }

    /** Checks the actions' order rules and returns the phase after them. */
    static Phase check(List<ServerAction> actions, Deque<Long> running, Phase phase, int caseNumber) {
        for (int i = 0; i < actions.size(); i++) {
            assertTrue(phase != Phase.CLOSED, "nothing after a protocol error, case " + caseNumber);
            switch (actions.get(i)) {
                case ServerAction.RunCommand run -> {
                    assertEquals(Phase.OPEN, phase, "case " + caseNumber);
                    running.addLast(run.commandId());
                }
                case ServerAction.StopReading stop -> {
                    assertEquals(Phase.OPEN, phase, "case " + caseNumber);
                    assertTrue(!running.isEmpty(), "stop reading only while answers are owed, case " + caseNumber);
                    phase = Phase.STOPPED;
                }
                case ServerAction.ProtocolError error -> {
                    assertTrue(i > 0 && actions.get(i - 1) instanceof ServerAction.SendFrames send
                            && send.frames().getLast().type() == FrameType.ERROR_RESPONSE
                            && send.frames().getLast().flags() == FrameFlags.ERROR_PROTOCOL, "case " + caseNumber);
                    assertEquals(i, actions.size() - 1, "nothing after a protocol error, case " + caseNumber);
                    running.clear();
                    phase = Phase.CLOSED;
                }
                case ServerAction.SendFrames send -> assertTrue(!send.frames().isEmpty());
                case ServerAction.CommandData data -> assertTrue(data.commandId() >= 1);
                case ServerAction.EndOfOutput end -> assertTrue(running.isEmpty());
                case ServerAction.Noop noop -> { }
                case ServerAction.WantFrame want -> { }
            }
        }
        return phase;
    }
}
