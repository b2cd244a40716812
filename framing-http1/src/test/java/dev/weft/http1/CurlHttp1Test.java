package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** curl over HTTP/1.1 against the http/1.1 protocol on both transports, and its h2c upgrade. */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(120)
class CurlHttp1Test {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Parameter
    String transport;

    @TempDir
    static Path root;
    static Http1TestServer server;

    @BeforeParameterizedClassInvocation
    static void start(String transport) throws Exception {
        server = new Http1TestServer(transport, root.toRealPath(), Duration.ofSeconds(30));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        server.close();
    }

    private static String curl() {
        return ExternalTool.require("curl", "curl");
    }

    @Test
    void helloOverHttp11() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(DEADLINE, curl(), "-sS", "-w", "\n%{http_version} %{http_code}",
                server.url("/hello"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("Hello, world!\n1.1 200", result.output());
    }

    @Test
    void keepAliveReusesOneConnectionForSeveralRequests() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(DEADLINE, curl(), "-sS", "-v", server.url("/hello"),
                server.url("/hello"), server.url("/path/3"));
        assertEquals(0, result.exitCode(), result.output());
        String log = result.output();
        Matcher reuse = Pattern.compile("Re-?using existing (http: )?connection", Pattern.CASE_INSENSITIVE).matcher(log);
        int reused = 0;
        while (reuse.find()) {
            reused++;
        }
        assertEquals(2, reused, log);
        assertEquals(2, count(log, "Hello, world!"), log);
        assertEquals(1, count(log, "Connected to"), "one connection: " + log);
    }

    @Test
    void chunkedUploadIsReadExactly() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(11).nextBytes(data);
        Path file = Files.write(root.resolve("upload-" + transport + ".bin"), data);
        ProcessRunner.Result result = ProcessRunner.run(DEADLINE, curl(), "-sS", "-H", "Transfer-Encoding: chunked",
                "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + file, server.url("/sha256"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(Http1TestServer.sha256(data) + " null", result.output());
    }

    @Test
    void expectContinueIsAnswered() throws Exception {
        Path file = Files.write(root.resolve("continue-" + transport + ".bin"), new byte[2 << 20]);
        ProcessRunner.Result result = ProcessRunner.run(DEADLINE, curl(), "-sS", "-v", "-H", "Expect: 100-continue",
                "--data-binary", "@" + file, server.url("/sink"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("< HTTP/1.1 100 Continue"), result.output());
        assertTrue(result.output().endsWith(Integer.toString(2 << 20)), result.output());
    }

    @Test
    void chunkedDownloadWithTrailers() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(DEADLINE, curl(), "-sS", "-v", server.url("/trailers"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("< transfer-encoding: chunked"), result.output());
        assertTrue(result.output().contains("with trailers"), result.output());
    }

    @Test
    void upgradeToH2cAnswersStreamOneOverHttp2() throws Exception {
        ProcessRunner.Result result = ProcessRunner.run(DEADLINE, curl(), "-sS", "-v", "--http2",
                "-w", "\n%{http_version} %{http_code}", server.url("/protocol?x=y"), server.url("/hello"));
        assertEquals(0, result.exitCode(), result.output());
        String log = result.output();
        assertTrue(log.contains("< HTTP/1.1 101 Switching Protocols"), log);
        assertTrue(log.contains("h2 127.0.0.1:" + server.port() + " /protocol x=y"), "stream 1 served by h2: " + log);
        assertTrue(log.contains("Using Stream ID: 3"), "the next request on the same connection over h2: " + log);
        assertTrue(log.contains("Hello, world!"), log);
        assertEquals(2, count(log, "\n2 200"), "both answered over HTTP/2: " + log);
        assertEquals(1, count(log, "Connected to"), "one connection: " + log);
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }
}
