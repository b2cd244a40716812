package dev.weft.server.e2e;

import dev.weft.server.WeftProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.Plugins;
import dev.weft.testing.ExternalTool;
import dev.weft.testing.TrustingTls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./weft serve --tls-self-signed} on both transports as real TLS clients meet it: curl
 * over h2 (and over HTTP/1.1 once an {@code http/1.1} codec is on the class path), nghttp and
 * h2load negotiate {@code h2} by ALPN, a 1 MiB file arrives byte-exact through the copying path,
 * headless Chromium loads the demo page over h2 (its net log says so) and leaves a screenshot in
 * {@code target/}; garbage, cleartext HTTP and a client without ALPN each get their answer and the
 * server goes on. A PEM certificate and key made by openssl serve as well.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TlsIT {
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(90);
    private static final ServerSet SERVERS = new ServerSet();

    @TempDir
    static Path temp;

    @AfterAll
    static void stopServers() throws Exception {
        SERVERS.close();
    }

    private static WeftProcess server(String transport) throws Exception {
        return SERVERS.get(transport, () -> WeftProcess.serve(Map.of(), transport, "--tls-self-signed",
                "--tmp-dir", temp.resolve("tmp-" + transport).toString()));
    }

    private static List<String> curl(String... args) {
        List<String> command = new ArrayList<>(List.of(ExternalTool.require("curl", "curl"), "-sS", "-k", "--max-time", "80"));
        command.addAll(List.of(args));
        return command;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void curlGetsHelloOverH2WithTls(String transport) throws Exception {
        WeftProcess weft = server(transport);
        Peer.Result result = Peer.run(PEER_TIMEOUT,
                curl("--http2", "-i", "-w", "%{stderr}version=%{http_version}", weft.httpsUrl("/hello"))).assertSuccess();
        String answer = result.stdout();
        assertTrue(result.stderr().contains("version=2"), result.describe());
        assertTrue(answer.toLowerCase(Locale.ROOT).startsWith("http/2 200"), answer);
        assertTrue(answer.endsWith("\r\n\r\nHello, world!"), answer);
        assertTrue(weft.stderr().contains("TLS: CN=localhost"), weft.stderr());
        assertTrue(weft.stderr().contains("no sendfile"), "the start-up log says files are copied under TLS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void fileArrivesByteExactThroughTheCopyingPath(String transport) throws Exception {
        WeftProcess weft = server(transport);
        Path out = temp.resolve("1m-" + transport + ".bin");
        Peer.run(PEER_TIMEOUT, curl("--http2", "-o", out.toString(), weft.httpsUrl("/files/1m.bin"))).assertSuccess();
        assertEquals(Peer.sha256(WeftProcess.repositoryRoot().resolve("demo/1m.bin")), Peer.sha256(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void curlGetsHelloOverHttp11WithTls(String transport) throws Exception {
        boolean http11 = Plugins.load(TlsIT.class.getClassLoader(), List.of()).protocols().values().stream()
                .anyMatch(protocol -> protocol.alpnId().filter("http/1.1"::equals).isPresent());
        Assumptions.assumeTrue(http11, "no protocol with ALPN id http/1.1 on the class path yet (framing-http1)");
        WeftProcess weft = server(transport);
        Peer.Result result = Peer.run(PEER_TIMEOUT,
                curl("--http1.1", "-i", "-w", "%{stderr}version=%{http_version}", weft.httpsUrl("/hello"))).assertSuccess();
        assertTrue(result.stderr().contains("version=1.1"), result.describe());
        assertTrue(result.stdout().startsWith("HTTP/1.1 200"), result.stdout());
        assertTrue(result.stdout().endsWith("\r\n\r\nHello, world!"), result.stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void nghttpNegotiatesH2ByAlpn(String transport) throws Exception {
        WeftProcess weft = server(transport);
        String trace = Peer.run(PEER_TIMEOUT, List.of(ExternalTool.require("nghttp", "nghttp2-client"), "-nv",
                weft.httpsUrl("/hello"))).assertSuccess().stdout();
        assertTrue(trace.contains("The negotiated protocol: h2"), trace);
        // nghttp opens its priority streams first, so the request's stream id varies.
        assertTrue(trace.matches("(?s).*recv \\(stream_id=\\d+\\) :status: 200.*"), trace);
        assertTrue(trace.matches("(?s).*recv DATA frame <length=13, flags=0x01, stream_id=\\d+>.*"), trace);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void h2loadOverTlsGetsEveryAnswer(String transport) throws Exception {
        WeftProcess weft = server(transport);
        String report = Peer.run(PEER_TIMEOUT, List.of(ExternalTool.require("h2load", "nghttp2-client"),
                "-n", "400", "-c", "4", "-m", "10", weft.httpsUrl("/hello"))).assertSuccess().stdout();
        assertTrue(report.contains("Application protocol: h2"), report);
        assertTrue(report.contains("400 succeeded, 0 failed, 0 errored"), report);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void chromiumLoadsTheDemoPageOverH2(String transport) throws Exception {
        String chromium = ExternalTool.require("chromium", "chromium");
        WeftProcess weft = server(transport);
        Path work = Files.createDirectories(temp.resolve("chromium-" + transport));
        Path netLog = work.resolve("netlog.json");
        Peer.Result dom = Peer.run(PEER_TIMEOUT, chromiumCommand(chromium, work.resolve("profile-dom"),
                "--log-net-log=" + netLog, "--dump-dom", weft.httpsUrl("/"))).assertSuccess();
        assertTrue(dom.stdout().contains("Weft demo server"), dom.describe());
        String log = Files.readString(netLog, StandardCharsets.UTF_8);
        assertTrue(log.contains("\"negotiated_protocol\":\"h2\""), "Chromium's net log names h2 as the negotiated protocol");
        Path screenshot = Path.of(System.getProperty("user.dir"), "target", "chromium-tls-" + transport + ".png");
        Files.deleteIfExists(screenshot);
        Peer.run(PEER_TIMEOUT, chromiumCommand(chromium, work.resolve("profile-shot"), "--screenshot=" + screenshot,
                "--window-size=1024,768", weft.httpsUrl("/"))).assertSuccess();
        assertTrue(Files.size(screenshot) > 1000, "a screenshot of the page in " + screenshot);
    }

    private static List<String> chromiumCommand(String chromium, Path profile, String... args) {
        List<String> command = new ArrayList<>(List.of(chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile, "--ignore-certificate-errors"));
        command.addAll(List.of(args));
        return command;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void garbageHandshakeGetsAFatalAlertAndTheServerGoesOn(String transport) throws Exception {
        WeftProcess weft = server(transport);
        try (Socket socket = new Socket("127.0.0.1", weft.port())) {
            socket.setSoTimeout(20_000);
            byte[] garbage = new byte[512];
            new java.util.Random(9).nextBytes(garbage);
            System.arraycopy(new byte[] {0x16, 0x03, 0x01, 0x01, 0x00}, 0, garbage, 0, 5);
            socket.getOutputStream().write(garbage);
            byte[] answer = socket.getInputStream().readAllBytes(); // ends: the server closed
            assertTrue(answer.length >= 7 && answer[0] == 0x15 && answer[5] == 2, "a fatal TLS alert, then the close");
        }
        assertTrue(weft.stderr().contains("TLS handshake failed"), weft.stderr());
        Peer.run(PEER_TIMEOUT, curl("--http2", weft.httpsUrl("/hello"))).assertSuccess();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void cleartextRequestGetsAPlainAnswerNamingHttps(String transport) throws Exception {
        WeftProcess weft = server(transport);
        String answer = Peer.run(PEER_TIMEOUT, List.of(ExternalTool.require("curl", "curl"), "-sS", "-i", "--max-time", "80",
                weft.url("/hello"))).assertSuccess().stdout();
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("This port speaks HTTPS (TLS): use https://127.0.0.1:" + weft.port() + "/"), answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void clientWithoutAlpnIsServedByTheProtocolItsBytesStart(String transport) throws Exception {
        WeftProcess weft = server(transport);
        try (SSLSocket socket = (SSLSocket) TrustingTls.context().getSocketFactory().createSocket("127.0.0.1", weft.port())) {
            socket.setSoTimeout(20_000);
            socket.startHandshake();
            assertEquals("", socket.getApplicationProtocol(), "no ALPN was offered, none agreed");
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] header = in.readNBytes(9);
            assertEquals(9, header.length);
            assertEquals(4, header[3], "the server's first frame is its SETTINGS: h2 was detected");
        }
    }

    @Test
    void pemCertificateAndKeyFromOpensslServe() throws Exception {
        String openssl = ExternalTool.require("openssl", "openssl");
        Path cert = temp.resolve("rsa-cert.pem");
        Path key = temp.resolve("rsa-key.pem");
        Peer.run(PEER_TIMEOUT, List.of(openssl, "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=weft-test",
                "-newkey", "rsa:2048", "-keyout", key.toString(), "-out", cert.toString())).assertSuccess();
        WeftProcess weft = SERVERS.get("pem", () -> WeftProcess.serve(Map.of(), "nio", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "--tmp-dir", temp.resolve("tmp-pem").toString()));
        Peer.Result result = Peer.run(PEER_TIMEOUT, curl("--http2", "-v", weft.httpsUrl("/hello"))).assertSuccess();
        assertEquals("Hello, world!", result.stdout());
        assertTrue(result.stderr().contains("CN=weft-test"), result.describe());
        assertTrue(weft.stderr().contains("TLS: CN=weft-test, RSA key"), weft.stderr());
    }
}
