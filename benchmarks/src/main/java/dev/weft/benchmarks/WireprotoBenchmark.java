package dev.weft.benchmarks;

import dev.weft.wireproto.Argument;
import dev.weft.wireproto.ClientReactor;
import dev.weft.wireproto.Frame;
import dev.weft.wireproto.FrameCodec;
import dev.weft.wireproto.ServerAction;
import dev.weft.wireproto.ServerReactor;
import dev.weft.wireproto.WireprotoLimits;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Wireproto's sans-IO server side: {@link ServerReactor#receive} decoding a pipelined stream of
 * commands with arguments and data (each answered at once with a short reply, as a carrier
 * would), and the encoding of a large response into frames and wire bytes.
 *
 * <p>The command stream: 256 commands, each with two or three arguments and, for three in four,
 * data of 100 B to 4 KiB (one in sixteen carries 64 KiB, spanning frames). It is fed in 64 KiB
 * slices. Counters: {@code frames} are commands, {@code bytes} the stream's bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WireprotoBenchmark {
    private static final int READ_SIZE = 64 * 1024;
    private static final int COMMANDS = 256;
    private static final ByteBuffer REPLY = ByteBuffer.wrap("ok".getBytes());

    /** Size of the large response, bytes. */
    @Param({"1048576"})
    public int responseSize;

    private byte[] stream;
    private ServerReactor reactor;
    private ByteBuffer response;

    /** Encodes the command stream with the project's client reactor. */
    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(11);
        ClientReactor client = new ClientReactor(WireprotoLimits.defaults());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < COMMANDS; i++) {
            List<Argument> arguments = new ArrayList<>();
            arguments.add(Argument.of("key", "refs/heads/feature-" + i));
            arguments.add(Argument.of("node", Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())));
            if (i % 3 == 0) {
                arguments.add(Argument.of("namespace", "bookmarks"));
            }
            boolean hasData = i % 4 != 0;
            List<Frame> frames = new ArrayList<>(client.commandFrames(i % 2 == 0 ? "lookup" : "pushkey", arguments, hasData));
            if (hasData) {
                byte[] data = new byte[i % 16 == 1 ? 65_536 : 100 + random.nextInt(4_000)];
                random.nextBytes(data);
                frames.addAll(client.dataFrames(ByteBuffer.wrap(data), true));
            }
            for (Frame frame : frames) {
                ByteBuffer encoded = FrameCodec.encode(frame);
                out.write(encoded.array(), encoded.arrayOffset(), encoded.remaining());
            }
        }
        stream = out.toByteArray();
        reactor = new ServerReactor(WireprotoLimits.defaults(), ServerReactor.OutputMode.STREAMING);
        byte[] body = new byte[responseSize];
        random.nextBytes(body);
        response = ByteBuffer.wrap(body);
    }

    /** Decodes the command stream and answers every command. */
    @Benchmark
    public void decodeAndReact(Throughput counters, Blackhole sink) {
        for (int offset = 0; offset < stream.length; offset += READ_SIZE) {
            ByteBuffer in = ByteBuffer.wrap(stream, offset, Math.min(READ_SIZE, stream.length - offset));
            for (ServerAction action : reactor.receive(in)) {
                switch (action) {
                    case ServerAction.RunCommand run when !run.hasData() -> answer(run.commandId(), sink);
                    case ServerAction.RunCommand run -> sink.consume(run); // answered when its data ends
                    case ServerAction.CommandData data when data.last() -> answer(data.commandId(), sink);
                    case ServerAction.ProtocolError error -> throw new IllegalStateException(error.message());
                    default -> sink.consume(action);
                }
            }
        }
        counters.frames += COMMANDS;
        counters.bytes += stream.length;
    }

    private void answer(long commandId, Blackhole sink) {
        sink.consume(reactor.onResponseData(commandId, REPLY.duplicate()));
        sink.consume(reactor.onResponseEnd(commandId));
    }

    /** Turns one large answer into frames and their wire bytes. */
    @Benchmark
    public void encodeLargeResponse(Throughput counters, Blackhole sink) {
        ServerReactor server = new ServerReactor(WireprotoLimits.defaults(), ServerReactor.OutputMode.STREAMING);
        server.receive(FrameCodec.encode(new ClientReactor(WireprotoLimits.defaults())
                .commandFrames("getbundle", List.of(), false).getFirst()));
        List<ServerAction> actions = new ArrayList<>(server.onResponseData(1, response.duplicate()));
        actions.addAll(server.onResponseEnd(1));
        long bytes = 0;
        long frames = 0;
        for (ServerAction action : actions) {
            if (action instanceof ServerAction.SendFrames send) {
                for (Frame frame : send.frames()) {
                    ByteBuffer wire = FrameCodec.encode(frame);
                    bytes += wire.remaining();
                    frames++;
                    sink.consume(wire);
                }
            }
        }
        counters.bytes += bytes;
        counters.frames += frames;
    }
}
