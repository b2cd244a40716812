package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.WeftProcess;
import dev.weft.testing.Poll;
import dev.weft.testing.TrustingTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bad inputs of issue 14 against {@code ./weft serve} over real sockets, on both transports,
 * in cleartext and under TLS: each gets its clear answer, the server closes the connection (the
 * client reads to end of stream), and the server's sockets go back to what they were before (no
 * connection left behind). Cases: a TLS handshake of garbage (a fatal alert), a TLS client that
 * offers no ALPN (served by the protocol its first bytes start, here HTTP/1.1: no ALPN is what an
 * HTTP/1.1-only client sends, and RFC 7301 leaves the choice to the server, so refusing it would
 * only lock such clients out), a 100 KiB request line (414) and a chunk size that overflows
 * (400).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BadInputIT {
    private static final Duration SETTLE = Duration.ofSeconds(20);
    private static final int READ_TIMEOUT_MS = 20_000;
    private static final ServerSet SERVERS = new ServerSet();
    private static final String LONG_LINE = "GET /" + "a".repeat(100 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String CHUNK_OVERFLOW = "POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "10000000000000000\r\nabcde\r\n0\r\n\r\n";

    @TempDir
    static Path temp;

    @AfterAll
    static void stopServers() throws Exception {
        SERVERS.close();
    }

    private static WeftProcess cleartext(String transport) throws Exception {
        return SERVERS.get("clear-" + transport, () -> WeftProcess.serve(Map.of(), transport,
                "--tmp-dir", temp.resolve("clear-" + transport).toString()));
    }

    private static WeftProcess tls(String transport) throws Exception {
        return SERVERS.get("tls-" + transport, () -> WeftProcess.serve(Map.of(), transport, "--tls-self-signed",
                "--tmp-dir", temp.resolve("tls-" + transport).toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void garbageHandshakeGetsAFatalAlertThenTheClose(String transport) throws Exception {
        WeftProcess weft = tls(transport);
        long before = sockets(weft);
        try (Socket socket = plain(weft)) {
            byte[] garbage = new byte[2048];
            new Random(14).nextBytes(garbage);
            System.arraycopy(new byte[] {0x16, 0x03, 0x01, 0x07, (byte) 0xfb}, 0, garbage, 0, 5); // a handshake record header
            socket.getOutputStream().write(garbage);
            byte[] answer = socket.getInputStream().readAllBytes(); // ends only when the server closed
            assertTrue(answer.length >= 7 && answer[0] == 0x15 && answer[5] == 2, "a fatal TLS alert record, then the close");
        }
        assertNothingLeft(weft, before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aTlsClientOfferingNoAlpnIsServedHttp11(String transport) throws Exception {
        WeftProcess weft = tls(transport);
        long before = sockets(weft);
        try (SSLSocket socket = tlsClient(weft)) {
            socket.startHandshake();
            assertEquals("", socket.getApplicationProtocol(), "no ALPN offered, none agreed");
            String answer = send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertTrue(answer.endsWith("Hello, world!"), answer);
        }
        assertNothingLeft(weft, before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aHundredKibibyteRequestLineIs414ThenClose(String transport) throws Exception {
        for (WeftProcess weft : new WeftProcess[] {cleartext(transport), tls(transport)}) {
            long before = sockets(weft);
            try (Socket socket = weft == cleartext(transport) ? plain(weft) : tlsClient(weft, "http/1.1")) {
                assertRefusedAndClosed(send(socket, LONG_LINE), 414);
            }
            assertNothingLeft(weft, before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void anOverflowingChunkSizeIs400ThenClose(String transport) throws Exception {
        for (WeftProcess weft : new WeftProcess[] {cleartext(transport), tls(transport)}) {
            long before = sockets(weft);
            try (Socket socket = weft == cleartext(transport) ? plain(weft) : tlsClient(weft, "http/1.1")) {
                assertRefusedAndClosed(send(socket, CHUNK_OVERFLOW + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
            }
            assertNothingLeft(weft, before);
        }
    }

    private static void assertRefusedAndClosed(String answer, int status) {
        assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), answer.substring(0, Math.min(answer.length(), 300)));
        assertTrue(answer.contains("\r\nconnection: close\r\n"), answer);
        assertFalse(answer.contains("Hello, world!"), "nothing after the refusal is answered: " + answer);
    }

    /** Writes {@code request} and reads to end of stream: returns only once the server closed. */
    private static String send(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** The connection the server had for the bad client is gone: its socket count is back where it was. */
    private static void assertNothingLeft(WeftProcess weft, long before) throws InterruptedException {
        Poll.until("the server's sockets back to " + before, SETTLE, () -> sockets(weft) <= before,
                () -> sockets(weft) + " sockets");
        assertTrue(weft.isAlive(), "the server goes on");
    }

    /** Sockets the server process holds open (listening ones included), from {@code /proc/PID/fd}. */
    private static long sockets(WeftProcess weft) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(weft.pid()), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false; // closed while listed
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError("cannot list the server's descriptors", e);
        }
    }

    private static Socket plain(WeftProcess weft) throws IOException {
        Socket socket = new Socket("127.0.0.1", weft.port());
        socket.setSoTimeout(READ_TIMEOUT_MS);
        return socket;
    }

    /** A TLS client that trusts the self-signed certificate and offers {@code alpn} (none if empty). */
    private static SSLSocket tlsClient(WeftProcess weft, String... alpn) throws IOException {
        SSLSocket socket = (SSLSocket) TrustingTls.context().getSocketFactory().createSocket("127.0.0.1", weft.port());
        socket.setSoTimeout(READ_TIMEOUT_MS);
        if (alpn.length > 0) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(alpn);
            socket.setSSLParameters(parameters);
        }
        return socket;
    }
}
