package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./weft serve} with its default {@code --protocol auto} as HTTP/1.1 clients meet it, on
 * both transports: plain {@code curl} (HTTP/1.1, curl's default) gets the demo routes, and on the
 * same port an HTTP/2 prior-knowledge client, an {@code Upgrade: h2c} client and a raw smuggling
 * attempt each get the answer their first bytes ask for.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class Http1IT {
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
        List<String> command = new ArrayList<>(List.of(ExternalTool.require("curl", "curl"), "-sS", "--max-time", "80"));
        command.addAll(List.of(args));
        return command;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void plainCurlGetsHelloOverHttp11(String transport) throws Exception {
        ServedWeft weft = server(transport);
        String answer = Peer.run(CURL_TIMEOUT, curl("-i", weft.url("/hello"))).assertSuccess().stdout();
        int split = answer.indexOf("\r\n\r\n");
        String head = answer.substring(0, split).toLowerCase(Locale.ROOT);
        assertTrue(head.startsWith("http/1.1 200 ok"), head);
        assertTrue(head.contains("\r\ncontent-length: 13"), head);
        assertEquals("Hello, world!", answer.substring(split + 4));
        String index = Peer.run(CURL_TIMEOUT, curl("--fail", weft.url("/"))).assertSuccess().stdout();
        assertTrue(index.contains("/hello"), index);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void filesSinkAndEchoOverHttp11(String transport) throws Exception {
        ServedWeft weft = server(transport);
        byte[] file = Peer.run(CURL_TIMEOUT, curl("--fail", weft.url("/files/1m.bin"))).assertSuccess().stdoutBytes();
        assertEquals(Peer.sha256(ServedWeft.repositoryRoot().resolve("demo/1m.bin")), Peer.sha256(file));

        byte[] data = new byte[4 << 20];
        new Random(9).nextBytes(data);
        Path in = Files.write(temp.resolve("h1-in-" + transport + ".bin"), data);
        Path out = temp.resolve("h1-out-" + transport + ".bin");
        try {
            assertEquals(Integer.toString(data.length), Peer.run(CURL_TIMEOUT, curl("--fail", "-H", "Transfer-Encoding: chunked",
                    "-H", "content-type: application/octet-stream", "--data-binary", "@" + in, weft.url("/sink")))
                    .assertSuccess().stdout());
            Peer.run(CURL_TIMEOUT, curl("--fail", "-H", "content-type: application/octet-stream", "--data-binary", "@" + in,
                    "-o", out.toString(), weft.url("/echo"))).assertSuccess();
            assertArrayEquals(data, Files.readAllBytes(out));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void onePortTellsHttp11Http2AndH2cApart(String transport) throws Exception {
        ServedWeft weft = server(transport);
        assertEquals("Hello, world!\n2", Peer.run(CURL_TIMEOUT, curl("--http2-prior-knowledge", "-w", "\n%{http_version}",
                weft.url("/hello"))).assertSuccess().stdout());
        assertEquals("Hello, world!\n2", Peer.run(CURL_TIMEOUT, curl("--http2", "-w", "\n%{http_version}",
                weft.url("/hello"))).assertSuccess().stdout(), "Upgrade: h2c answered over h2");
        assertEquals("Hello, world!\n1.1", Peer.run(CURL_TIMEOUT, curl("--http1.1", "-w", "\n%{http_version}",
                weft.url("/hello"))).assertSuccess().stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aSmugglingAttemptIsRefusedAndTheServerGoesOn(String transport) throws Exception {
        ServedWeft weft = server(transport);
        try (Socket socket = new Socket("127.0.0.1", weft.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
            assertTrue(answer.contains("\r\nconnection: close\r\n"), answer);
            assertTrue(!answer.contains("Hello, world!"), "the smuggled request was not answered: " + answer);
        }
        assertEquals("Hello, world!", Peer.run(CURL_TIMEOUT, curl(weft.url("/hello"))).assertSuccess().stdout());
    }
}
