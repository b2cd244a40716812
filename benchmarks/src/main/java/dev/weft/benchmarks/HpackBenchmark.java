package dev.weft.benchmarks;

import dev.weft.http2.core.ConnectionError;
import dev.weft.http2.core.HeaderBlockDecoder;
import dev.weft.http2.core.HeaderBlockEncoder;
import dev.weft.http2.core.HeaderField;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * HPACK through Weft's {@link HeaderBlockEncoder} and {@link HeaderBlockDecoder}: one header
 * block per operation, with the dynamic table warm, for a browser's request headers and a
 * typical response's. The blocks vary as real ones do ({@code :path}, {@code content-length}
 * cycle over a few values), all of which fit the 4 KiB table once warm.
 *
 * <p>Decoding replays blocks encoded, after the warm-up, by an encoder whose table the decoder
 * mirrors; steady-state blocks only reference the table, so replaying them in a loop keeps the
 * two tables in step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HpackBenchmark {
    private static final int VARIANTS = 8;

    /** Which header set. */
    @Param({"request", "response"})
    public String set;

    private List<List<HeaderField>> blocks;
    private HeaderBlockEncoder encoder;
    private HeaderBlockDecoder decoder;
    private byte[][] encoded;
    private int next;

    /** Warms an encoder and a decoder over every variant, then records the steady-state blocks. */
    @Setup
    public void setUp() throws ConnectionError {
        blocks = new ArrayList<>();
        for (int i = 0; i < VARIANTS; i++) {
            blocks.add(set.equals("request") ? request(i) : response(i));
        }
        encoder = new HeaderBlockEncoder();
        decoder = new HeaderBlockDecoder(64 << 10, HeaderBlockEncoder.MAX_TABLE_SIZE);
        HeaderBlockEncoder recorder = new HeaderBlockEncoder();
        for (List<HeaderField> block : blocks) {
            encoder.encode(block);
            decoder.decode(recorder.encode(block));
        }
        encoded = new byte[VARIANTS][];
        for (int i = 0; i < VARIANTS; i++) {
            encoded[i] = recorder.encode(blocks.get(i));
        }
        // Replaying must not change the decoder's table: check that a second pass decodes alike.
        for (int i = 0; i < VARIANTS; i++) {
            if (!decoder.decode(encoded[i]).fields().equals(blocks.get(i))) {
                throw new IllegalStateException("steady-state block " + i + " does not round-trip");
            }
        }
    }

    /** Chrome-like GET of a page's sub-resource. */
    static List<HeaderField> request(int variant) {
        return List.of(
                new HeaderField(":method", "GET"),
                new HeaderField(":authority", "shop.example.com"),
                new HeaderField(":scheme", "https"),
                new HeaderField(":path", "/static/js/app." + variant + ".chunk.js?v=3f9a1c2"),
                new HeaderField("sec-ch-ua", "\"Chromium\";v=\"130\", \"Google Chrome\";v=\"130\", \"Not?A_Brand\";v=\"99\""),
                new HeaderField("sec-ch-ua-mobile", "?0"),
                new HeaderField("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        + "Chrome/130.0.0.0 Safari/537.36"),
                new HeaderField("sec-ch-ua-platform", "\"Linux\""),
                new HeaderField("accept", "*/*"),
                new HeaderField("sec-fetch-site", "same-origin"),
                new HeaderField("sec-fetch-mode", "no-cors"),
                new HeaderField("sec-fetch-dest", "script"),
                new HeaderField("referer", "https://shop.example.com/cart"),
                new HeaderField("accept-encoding", "gzip, deflate, br, zstd"),
                new HeaderField("accept-language", "en-GB,en;q=0.9,de;q=0.8"),
                new HeaderField("cookie", "session=8f2b1c7e9d4a4b6f; theme=dark; _ga=GA1.2.1234567890.1700000000"));
    }

    /** A static file's response. */
    static List<HeaderField> response(int variant) {
        return List.of(
                new HeaderField(":status", "200"),
                new HeaderField("content-type", "text/javascript; charset=utf-8"),
                new HeaderField("content-length", Integer.toString(10_000 + variant * 1_337)),
                new HeaderField("cache-control", "public, max-age=31536000, immutable"),
                new HeaderField("etag", "\"5f3c-1a2b3c4d" + variant + "\""),
                new HeaderField("last-modified", "Tue, 14 Oct 2025 09:12:44 GMT"),
                new HeaderField("date", "Sat, 21 Nov 2026 20:00:00 GMT"),
                new HeaderField("server", "weft"),
                new HeaderField("vary", "accept-encoding"),
                new HeaderField("strict-transport-security", "max-age=63072000"));
    }

    /** Encodes one block. */
    @Benchmark
    public byte[] encode() {
        next = (next + 1) % VARIANTS;
        return encoder.encode(blocks.get(next));
    }

    /** Decodes one block. */
    @Benchmark
    public HeaderBlockDecoder.Result decode() throws ConnectionError {
        next = (next + 1) % VARIANTS;
        return decoder.decode(encoded[next]);
    }
}
