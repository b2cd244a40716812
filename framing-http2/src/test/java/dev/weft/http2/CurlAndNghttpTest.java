package dev.weft.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** Real command-line clients against the demo routes: curl, nghttp and h2load. */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(120)
class CurlAndNghttpTest {
    /** The transport of this invocation; {@link #start} gets it too. */
    @Parameter
    String transport;

    @TempDir
    static Path root;
    static TestServer server;

    @BeforeParameterizedClassInvocation
    static void start(String transport) throws Exception {
        server = new TestServer(transport, root.toRealPath());
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        server.close();
    }

    private static String curl() {
        return ExternalTool.require("curl", "curl");
    }

    @Test
    void curlGetsHelloOverHttp2() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(20), curl(), "-sS", "--http2-prior-knowledge",
                "-w", "\n%{http_version} %{http_code}", server.url("/hello"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("Hello, world!\n2 200", result.output());
    }

    @Test
    void curlHeadGetsHeadersWithLengthAndNoBody() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(20), curl(), "-sS", "--http2-prior-knowledge",
                "-I", server.url("/hello"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("HTTP/2 200"), result.output());
        assertTrue(result.output().contains("content-length: 13"), result.output());
        assertTrue(result.output().strip().endsWith("content-length: 13"), "no body after the headers: " + result.output());
    }

    @Test
    void curlPostsHundredMebibytesToSink() throws Exception {
        Path upload = TestServer.randomFile(root.resolve("upload-100m.bin"), 100L << 20);
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(90), curl(), "-sS", "--http2-prior-knowledge",
                "--data-binary", "@" + upload, "-H", "content-type: application/octet-stream", server.url("/sink"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(Long.toString(100L << 20), result.output());
    }

    @Test
    void curlDownloadsFileRegionByteExact() throws Exception {
        Path file = TestServer.randomFile(root.resolve("download.bin"), (8L << 20) + 12_345);
        Path target = root.resolve("downloaded.bin");
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(60), curl(), "-sS", "--http2-prior-knowledge",
                "-o", target.toString(), server.url("/files/download.bin"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(TestServer.sha256(file), TestServer.sha256(target));
    }

    @Test
    void curlOverHttp1GetsPlainAnswerNamingPriorKnowledge() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(20), curl(), "-sS", "--http1.1",
                "-w", "\n%{http_code}", server.url("/hello"));
        assertTrue(result.output().contains("--http2-prior-knowledge"), result.output());
        assertTrue(result.output().endsWith("400"), result.output());
    }

    @Test
    void nghttpFrameLogShowsTheExchange() throws Exception {
        String nghttp = ExternalTool.require("nghttp", "nghttp2-client");
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(20), nghttp, "-v", server.url("/hello"));
        String log = result.output();
        assertEquals(0, result.exitCode(), log);
        assertTrue(log.contains("recv SETTINGS frame <length=30, flags=0x00, stream_id=0>"), log);
        assertTrue(log.contains("(niv=5)"), log);
        assertTrue(log.contains("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128]"), log);
        assertTrue(log.contains("recv SETTINGS frame <length=0, flags=0x01, stream_id=0>"), "ACK of nghttp's SETTINGS: " + log);
        assertTrue(log.contains("recv (stream_id=13) :status: 200"), log);
        assertTrue(log.contains("recv (stream_id=13) content-length: 13"), log);
        assertTrue(log.contains("recv DATA frame <length=13, flags=0x01, stream_id=13>"), log);
        assertTrue(log.contains("Hello, world!"), log);
        assertTrue(log.contains("send GOAWAY frame"), log);
    }

    @Test
    void nghttpReceivesTrailers() throws Exception {
        String nghttp = ExternalTool.require("nghttp", "nghttp2-client");
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(20), nghttp, "-v", server.url("/trailers"));
        String log = result.output();
        assertEquals(0, result.exitCode(), log);
        assertTrue(log.contains("recv (stream_id=13) x-checksum: abc123"), log);
        assertTrue(log.contains("recv HEADERS frame <length="), log);
    }

    @Test
    void h2loadRunsTwentyThousandRequestsWithoutFailure() throws Exception {
        String h2load = ExternalTool.require("h2load", "nghttp2-client");
        ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(100), h2load, "-n", "20000", "-c", "20",
                "-m", "50", server.url("/hello"));
        String log = result.output();
        assertEquals(0, result.exitCode(), log);
        assertTrue(log.contains("requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout"),
                log);
        assertTrue(log.contains("status codes: 20000 2xx"), log);
        System.out.println(log.lines().filter(l -> l.startsWith("finished in") || l.startsWith("requests:"))
                .reduce("", (a, b) -> a + b + "\n"));
    }
}
