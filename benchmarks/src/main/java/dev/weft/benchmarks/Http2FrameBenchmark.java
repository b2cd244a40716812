package dev.weft.benchmarks;

import dev.weft.http2.core.Frame;
import dev.weft.http2.core.FrameReader;
import dev.weft.http2.core.FrameWriter;
import dev.weft.http2.core.Http2Exception;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * HTTP/2 frame reader and writer ({@code dev.weft.http2.core}) over a mix of frames like the
 * one a busy connection carries: mostly small HEADERS and DATA of API calls, some 16 KiB DATA
 * of transfers, and the WINDOW_UPDATE, PING and SETTINGS that come with them. The score is one
 * pass over the whole mix; the {@code bytes} and {@code frames} counters give MB/s and frames/s.
 *
 * <p>The reader gets the bytes in 64 KiB slices, as a transport's reads hand them over. The
 * writer encodes each frame into the buffers of a gathering write (no socket copy).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Http2FrameBenchmark {
    private static final int READ_SIZE = 64 * 1024;

    private List<Frame> frames;
    private byte[] wire;
    private FrameReader reader;

    /** Builds the mix from a fixed seed, so every run measures the same bytes. */
    @Setup
    public void setUp() {
        frames = mix(new SplittableRandom(7), 2_000);
        int total = 0;
        List<ByteBuffer> encoded = new ArrayList<>();
        for (Frame frame : frames) {
            ByteBuffer buffer = FrameWriter.encodeToBuffer(frame);
            total += buffer.remaining();
            encoded.add(buffer);
        }
        wire = new byte[total];
        ByteBuffer all = ByteBuffer.wrap(wire);
        encoded.forEach(all::put);
        reader = new FrameReader(FrameReader.MIN_MAX_FRAME_SIZE);
    }

    /** The mix: by count 45% HEADERS, 35% DATA (a fifth of them 16 KiB), 12% WINDOW_UPDATE, 4% PING, 4% SETTINGS. */
    static List<Frame> mix(SplittableRandom random, int count) {
        List<Frame> out = new ArrayList<>(count);
        byte[] block = new byte[48];
        random.nextBytes(block);
        int stream = 1;
        for (int i = 0; i < count; i++) {
            int pick = random.nextInt(100);
            if (pick < 45) {
                stream += 2;
                out.add(new Frame.Headers(stream, ByteBuffer.wrap(block, 0, 20 + random.nextInt(28)), pick < 30, true, null, 0));
            } else if (pick < 80) {
                int size = pick < 52 ? 16_384 : 13 + random.nextInt(2_000);
                byte[] data = new byte[size];
                random.nextBytes(data);
                out.add(Frame.Data.of(stream, ByteBuffer.wrap(data), pick % 2 == 0));
            } else if (pick < 92) {
                out.add(new Frame.WindowUpdate(pick % 2 == 0 ? 0 : stream, 16_384 + random.nextInt(65_536)));
            } else if (pick < 96) {
                out.add(new Frame.Ping(pick % 2 == 0, random.nextLong()));
            } else {
                out.add(new Frame.Settings(false, List.of(new Frame.Setting(3, 128), new Frame.Setting(4, 1 << 20),
                        new Frame.Setting(6, 16_384))));
            }
        }
        return out;
    }

    /** Decodes the whole mix, in 64 KiB reads. */
    @Benchmark
    public void read(Throughput counters, Blackhole sink) throws Http2Exception {
        int count = 0;
        for (int offset = 0; offset < wire.length; offset += READ_SIZE) {
            ByteBuffer in = ByteBuffer.wrap(wire, offset, Math.min(READ_SIZE, wire.length - offset));
            Frame frame;
            while ((frame = reader.next(in)) != null) {
                sink.consume(frame);
                count++;
            }
        }
        counters.frames += count;
        counters.bytes += wire.length;
    }

    /** Encodes the whole mix into gathering-write buffers. */
    @Benchmark
    public void write(Throughput counters, Blackhole sink) {
        long bytes = 0;
        for (Frame frame : frames) {
            ByteBuffer[] parts = FrameWriter.encode(frame);
            for (ByteBuffer part : parts) {
                bytes += part.remaining();
            }
            sink.consume(parts);
        }
        counters.frames += frames.size();
        counters.bytes += bytes;
    }
}
