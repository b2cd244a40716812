package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 connections over real sockets on both transports, driven by a hand-written peer:
 * keep-alive, pipelining in order, chunked both ways with trailers, 100-continue, HEAD, HTTP/1.0,
 * handler failures, and the smuggling and size refusals (400/414/431 and close, nothing after
 * them answered).
 */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(60)
class Http1ConnectionTest {
    @Parameter
    String transport;

    @TempDir
    static Path root;
    static Http1TestServer server;
    static byte[] fileBytes;

    @BeforeParameterizedClassInvocation
    static void start(String transport) throws Exception {
        fileBytes = new byte[300_000];
        new Random(7).nextBytes(fileBytes);
        Files.write(root.resolve("blob.bin"), fileBytes);
        server = new Http1TestServer(transport, root.toRealPath(), Duration.ofSeconds(30));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        server.close();
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    @Test
    void helloKeepsTheConnectionForTheNextRequest() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            for (int i = 0; i < 3; i++) {
                RawClient.Answer answer = client.send(get("/hello")).read();
                assertEquals("HTTP/1.1 200 OK", answer.statusLine());
                assertEquals("Hello, world!", answer.text());
                assertEquals("13", answer.headers().get("content-length"));
                assertTrue(answer.headers().get("content-type").startsWith("text/plain"));
                assertTrue(answer.headers().containsKey("date"));
                assertNull(answer.headers().get("connection"));
            }
        }
    }

    @Test
    void requestFieldsReachTheHandler() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            assertEquals("http/1.1 test /protocol a=1", client.send(get("/protocol?a=1")).read().text());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                burst.append(get("/path/" + i));
            }
            burst.append("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde").append(get("/path/last"));
            client.send(burst.toString());
            for (int i = 0; i < 50; i++) {
                assertEquals(Integer.toString(i), client.read().text());
            }
            assertEquals("5", client.read().text());
            assertEquals("last", client.read().text());
        }
    }

    @Test
    void chunkedUploadWithTrailersIsReadExactly() throws Exception {
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes("POST /sha256 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int offset = 0; offset < data.length; offset += 7000) {
            int length = Math.min(7000, data.length - offset);
            wire.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            wire.write(data, offset, length);
            wire.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        wire.writeBytes("0\r\nX-Checksum: sum1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send(wire.toByteArray()).read();
            assertEquals(Http1TestServer.sha256(data) + " sum1", answer.text());
            assertEquals("Hello, world!", client.send(get("/hello")).read().text(), "still usable");
        }
    }

    @Test
    void streamedResponsesAreChunkedWithTrailers() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send(get("/trailers")).read();
            assertEquals("chunked", answer.headers().get("transfer-encoding"));
            assertEquals("with trailers\n", answer.text());
            assertEquals("abc123", answer.trailers().get("x-checksum"));
            byte[] data = new byte[200_000];
            new Random(5).nextBytes(data);
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + data.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            wire.writeBytes(data);
            RawClient.Answer echo = client.send(wire.toByteArray()).read();
            assertArrayEquals(data, echo.body());
        }
    }

    @Test
    void expectContinueGetsAnInterimAnswerBeforeTheBodyIsSent() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.send("POST /sink HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            RawClient.Answer interim = client.read();
            assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
            assertEquals("4", client.send("data").read().text());
        }
    }

    @Test
    void filesAndHeadRequests() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer file = client.send(get("/files/blob.bin")).read();
            assertArrayEquals(fileBytes, file.body());
            RawClient.Answer head = client.send("HEAD /files/blob.bin HTTP/1.1\r\nHost: t\r\n\r\n").read(true);
            assertEquals("300000", head.headers().get("content-length"));
            assertEquals("Hello, world!", client.send(get("/hello")).read().text(), "nothing followed the HEAD answer");
        }
    }

    @Test
    void http10GetsItsAnswerAndTheClose() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /hello HTTP/1.0\r\n\r\n").read();
            assertEquals("Hello, world!", answer.text());
            assertEquals("close", answer.headers().get("connection"));
            assertTrue(client.closedByServer());
        }
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertEquals("keep-alive", answer.headers().get("connection"));
            assertEquals("Hello, world!", client.send("GET /hello HTTP/1.0\r\n\r\n").read().text());
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get("/hello")).read();
            assertEquals("close", answer.headers().get("connection"));
            assertTrue(client.closedByServer(), "the pipelined request after close is not answered");
        }
    }

    @Test
    void aFailingHandlerGets500AndTheConnectionGoesOn() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send(get("/boom")).read();
            assertEquals(500, answer.status());
            assertFalse(answer.text().contains("IllegalStateException"), "no stack trace sent");
            assertEquals("Hello, world!", client.send(get("/hello")).read().text());
        }
    }

    @Test
    void aPeerVanishingInterruptsItsHandler() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.send(get("/hang"));
            assertTrue(server.hangStarted.await(10, TimeUnit.SECONDS));
        }
        assertTrue(server.hangInterrupted.await(10, TimeUnit.SECONDS), "handler interrupted when the peer left");
    }

    /** Request smuggling and framing errors: refused with the status, then the connection closes; the request behind is never answered. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "CL and TE      | 400 | POST /sink HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
        "two CL         | 400 | POST /sink HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\nabcdef",
        "bare LF        | 400 | GET /hello HTTP/1.1\\nHost: t\\n\\n",
        "obs-fold       | 400 | GET /hello HTTP/1.1\\r\\nHost: t\\r\\nX-A: b\\r\\n c\\r\\n\\r\\n",
        "bad chunk size | 400 | POST /sink HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5x\\r\\nabcde\\r\\n0\\r\\n\\r\\n",
        "chunk overflow | 400 | POST /sink HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n10000000000000000\\r\\nabcde\\r\\n0\\r\\n\\r\\n",
        "gzip coding    | 501 | POST /sink HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
    })
    void refusesAndCloses(String rule, int status, String escaped) throws Exception {
        String wire = escaped.replace("\\r", "\r").replace("\\n", "\n") + get("/hello");
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send(wire).read();
            assertEquals(status, answer.status(), rule + ": " + answer.text());
            assertEquals("close", answer.headers().get("connection"));
            assertTrue(client.closedByServer(), rule + ": closed, and the request behind it not answered");
        }
    }

    @Test
    void aHundredKibibyteRequestLineIs414AndClose() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /" + "a".repeat(100 * 1024) + " HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(414, answer.status());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void headersOverSixteenKibibytesAre431AndClose() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            RawClient.Answer answer = client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n").read();
            assertEquals(431, answer.status());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void aBrokenChunkUnderARunningHandlerIs400AndClose() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.send("POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
            client.send("zz\r\n");
            RawClient.Answer answer = client.read();
            assertEquals(400, answer.status());
            assertTrue(client.closedByServer());
        }
    }
}
