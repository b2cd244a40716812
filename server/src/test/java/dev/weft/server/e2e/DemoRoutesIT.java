package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo routes of {@code ./weft serve} as real HTTP/2 clients meet them, on both transports:
 * {@code curl --http2-prior-knowledge} gets exact bodies and headers from {@code /hello}, headers
 * only from {@code HEAD}, byte-exact files (and a 404 for a path escaping the root), an exact
 * count from {@code /sink} for 10 MiB and the same 4 MiB of random bytes back from {@code /echo};
 * an HTTP/1.1 request to an h2-only port gets the plain answer naming HTTP/2 with prior knowledge; and
 * {@code nghttp -v} sees SETTINGS, HEADERS and a DATA frame carrying END_STREAM.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoRoutesIT {
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(90);
    private static final ServerSet SERVERS = new ServerSet();

    @TempDir
    static Path temp;

    @AfterAll
    static void stopServers() throws Exception {
        SERVERS.close();
    }

    private static ServedWeft server(String transport) throws Exception {
        return SERVERS.get(transport, () -> ServedWeft.serve(Map.of(), transport,
                "--tmp-dir", temp.resolve("tmp-" + transport).toString()));
    }

    private static List<String> curl(String... args) {
        List<String> command = new ArrayList<>(List.of(ExternalTool.require("curl", "curl"),
                "-sS", "--http2-prior-knowledge", "--max-time", "80"));
        command.addAll(List.of(args));
        return command;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void helloIsExactlyThirteenBytes(String transport) throws Exception {
        ServedWeft weft = server(transport);
        String answer = Peer.run(CURL_TIMEOUT, curl("-i", weft.url("/hello"))).assertSuccess().stdout();
        int split = answer.indexOf("\r\n\r\n");
        assertTrue(split > 0, answer);
        String head = answer.substring(0, split).toLowerCase(Locale.ROOT);
        assertTrue(head.startsWith("http/2 200"), head);
        assertTrue(head.contains("\r\ncontent-length: 13"), head);
        assertTrue(head.contains("\r\ncontent-type: text/plain"), head);
        assertEquals("Hello, world!", answer.substring(split + 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void headAnswersHeadersOnly(String transport) throws Exception {
        ServedWeft weft = server(transport);
        Peer.Result result = Peer.run(CURL_TIMEOUT,
                curl("-I", "-w", "%{stderr}downloaded=%{size_download}", weft.url("/files/64k.bin"))).assertSuccess();
        String head = result.stdout().toLowerCase(Locale.ROOT);
        assertTrue(head.startsWith("http/2 200"), head);
        assertTrue(head.contains("\r\ncontent-length: 65536\r\n"), head);
        assertTrue(head.endsWith("\r\n\r\n"), "nothing after the headers: " + head);
        assertEquals("downloaded=0", result.stderr().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void fileDownloadIsByteExact(String transport) throws Exception {
        ServedWeft weft = server(transport);
        byte[] body = Peer.run(CURL_TIMEOUT, curl("--fail", weft.url("/files/1m.bin"))).assertSuccess().stdoutBytes();
        Path original = ServedWeft.repositoryRoot().resolve("demo/1m.bin");
        assertEquals(Files.size(original), body.length);
        assertEquals(Peer.sha256(original), Peer.sha256(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void pathsEscapingTheRootAreNotFound(String transport) throws Exception {
        ServedWeft weft = server(transport);
        for (String path : List.of("/files/../pom.xml", "/files/..%2fpom.xml", "/files/%2e%2e/pom.xml")) {
            Peer.Result result = Peer.run(CURL_TIMEOUT,
                    curl("--path-as-is", "-w", "%{stderr}%{http_code}", weft.url(path))).assertSuccess();
            assertEquals("404", result.stderr().strip(), path + ": " + result.stdout());
            assertFalse(result.stdout().contains("<project"), path + " leaked pom.xml: " + result.stdout());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void sinkCountsTenMebibytes(String transport) throws Exception {
        ServedWeft weft = server(transport);
        Path body = temp.resolve("sink-" + transport + ".bin");
        Files.write(body, randomBytes(10 << 20, 1));
        try {
            String answer = Peer.run(CURL_TIMEOUT, curl("--fail", "-H", "content-type: application/octet-stream",
                    "--data-binary", "@" + body, weft.url("/sink"))).assertSuccess().stdout();
            assertEquals("10485760", answer);
        } finally {
            Files.deleteIfExists(body);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void echoReturnsFourMebibytesOfRandomBytes(String transport) throws Exception {
        ServedWeft weft = server(transport);
        byte[] sent = randomBytes(4 << 20, 2);
        Path in = temp.resolve("echo-in-" + transport + ".bin");
        Path out = temp.resolve("echo-out-" + transport + ".bin");
        Files.write(in, sent);
        try {
            Peer.run(CURL_TIMEOUT, curl("--fail", "-H", "content-type: application/octet-stream",
                    "--data-binary", "@" + in, "-o", out.toString(), weft.url("/echo"))).assertSuccess();
            byte[] received = Files.readAllBytes(out);
            assertEquals(sent.length, received.length);
            assertArrayEquals(sent, received);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void http11GetsThePlainAnswerThatThePortSpeaksHttp2(String transport) throws Exception {
        ServedWeft weft = SERVERS.get(transport + "-h2-only", () -> ServedWeft.serve(Map.of(), transport,
                "--protocol", "h2", "--tmp-dir", temp.resolve("tmp-h2-" + transport).toString()));
        String answer = Peer.run(CURL_TIMEOUT, List.of(ExternalTool.require("curl", "curl"), "-sS", "--max-time", "80",
                "--http1.1", "-i", weft.url("/hello"))).assertSuccess().stdout();
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("This port speaks HTTP/2 with prior knowledge"), answer);
        assertTrue(answer.contains("curl --http2-prior-knowledge http://127.0.0.1:" + weft.port() + "/"), answer);
        assertFalse(answer.contains("Hello, world!"), answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void nghttpSeesSettingsHeadersAndDataWithEndStream(String transport) throws Exception {
        String nghttp = ExternalTool.require("nghttp", "nghttp2-client");
        ServedWeft weft = server(transport);
        Peer.Result result = Peer.run(CURL_TIMEOUT, List.of(nghttp, "-v", "-t", "60", weft.url("/hello"))).assertSuccess();
        String log = result.stdout();
        assertTrue(Pattern.compile("recv SETTINGS frame <length=\\d+, flags=0x00, stream_id=0>").matcher(log).find(), log);
        assertTrue(Pattern.compile("recv SETTINGS frame <length=0, flags=0x01, stream_id=0>").matcher(log).find(),
                "our SETTINGS acknowledged: " + log);
        Matcher headers = Pattern.compile("recv HEADERS frame <length=\\d+, flags=0x04, stream_id=(\\d+)>").matcher(log);
        assertTrue(headers.find(), "HEADERS with END_HEADERS only: " + log);
        String stream = headers.group(1);
        assertTrue(log.contains("recv (stream_id=" + stream + ") :status: 200"), log);
        assertTrue(log.contains("recv (stream_id=" + stream + ") content-length: 13"), log);
        Matcher data = Pattern.compile("recv DATA frame <length=13, flags=0x01, stream_id=" + stream + ">\\R\\s*; END_STREAM")
                .matcher(log);
        assertTrue(data.find(), "13 bytes of DATA with END_STREAM: " + log);
        assertTrue(log.contains("Hello, world!"), log);
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
