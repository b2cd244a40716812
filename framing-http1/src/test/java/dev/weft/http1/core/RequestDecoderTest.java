package dev.weft.http1.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Headers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP/1.1 request decoder, byte for byte (RFC 9112), including the request smuggling refusals. */
class RequestDecoderTest {

    /** What a request decoded to: its head, its body bytes, its trailers, or its refusal. */
    record Decoded(RequestHead head, byte[] body, Headers trailers, RequestEvent.Malformed refusal, int eventsAfterEnd) {
    }

    /** Feeds {@code wire} in pieces of {@code step} bytes, keeping unconsumed bytes as a connection does. */
    static List<Decoded> decodeAll(String wire, int step) {
        return decodeAll(wire.getBytes(StandardCharsets.ISO_8859_1), step, Http1Limits.defaults());
    }

    static List<Decoded> decodeAll(byte[] wire, int step, Http1Limits limits) {
        RequestDecoder decoder = new RequestDecoder(limits);
        List<Decoded> out = new ArrayList<>();
        ByteBuffer held = ByteBuffer.allocate(0);
        RequestHead head = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int offset = 0; offset < wire.length; offset += step) {
            int length = Math.min(step, wire.length - offset);
            ByteBuffer joined = ByteBuffer.allocate(held.remaining() + length);
            joined.put(held).put(wire, offset, length).flip();
            held = joined;
            while (true) {
                RequestEvent event = decoder.next(held);
                if (event == null) {
                    if (decoder.isRequestDone() && !decoder.isFailed()) {
                        decoder.startNext();
                        continue;
                    }
                    break;
                }
                switch (event) {
                    case RequestEvent.Head h -> {
                        head = h.head();
                        body.reset();
                    }
                    case RequestEvent.Data d -> {
                        byte[] bytes = new byte[d.bytes().remaining()];
                        d.bytes().get(bytes);
                        body.write(bytes, 0, bytes.length);
                    }
                    case RequestEvent.End e -> {
                        out.add(new Decoded(head, body.toByteArray(), e.trailers(), null, decoder.next(held) == null ? 0 : 1));
                        head = null;
                    }
                    case RequestEvent.Malformed m -> out.add(new Decoded(head, null, null, m, 0));
                }
            }
        }
        return out;
    }

    private static Decoded only(String wire) {
        List<Decoded> all = decodeAll(wire, wire.length());
        List<Decoded> stepwise = decodeAll(wire, 1);
        assertEquals(all.size(), stepwise.size(), "byte-by-byte feeding decodes the same: " + stepwise);
        assertEquals(1, all.size(), all.toString());
        return all.getFirst();
    }

    @Test
    void simpleGetHasNoBodyAndStaysOpen() {
        Decoded get = only("GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
        assertEquals("GET", get.head().method());
        assertEquals("/hello?x=1", get.head().target());
        assertEquals("example.com", get.head().authority());
        assertEquals(BodyFraming.NONE, get.head().framing());
        assertTrue(get.head().keepAlive());
        assertEquals("*/*", get.head().headers().get("accept"));
        assertEquals(0, get.body().length);
        assertEquals(0, get.eventsAfterEnd(), "nothing more until startNext()");
    }

    @Test
    void http10IsPersistentOnlyWhenAsked() {
        assertFalse(only("GET / HTTP/1.0\r\n\r\n").head().keepAlive());
        assertTrue(only("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head().keepAlive());
        assertFalse(only("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").head().keepAlive());
    }

    @Test
    void contentLengthBodyIsDeliveredExactly() {
        Decoded post = only("POST /sink HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
        assertEquals(BodyFraming.LENGTH, post.head().framing());
        assertEquals(11, post.head().contentLength());
        assertEquals("hello world", new String(post.body(), StandardCharsets.US_ASCII));
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailers() {
        Decoded post = only("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nChecksum: abc\r\nContent-Length: 9\r\n\r\n");
        assertEquals(BodyFraming.CHUNKED, post.head().framing());
        assertEquals("helloabcdefghijklmnopqrstuvwxyz", new String(post.body(), StandardCharsets.US_ASCII));
        assertEquals(Headers.of("checksum", "abc"), post.trailers(), "framing fields are dropped from trailers");
    }

    @Test
    void pipelinedRequestsComeOneAtATime() {
        String two = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: a\r\n\r\n";
        for (int step : new int[] {two.length(), 1, 7}) {
            List<Decoded> all = decodeAll(two, step);
            assertEquals(List.of("/a", "/b", "/c"), all.stream().map(d -> d.head().target()).toList());
            assertEquals("hi", new String(all.get(1).body(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void absoluteFormGivesPathAndAuthority() {
        Decoded get = only("GET http://example.com:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n");
        assertEquals("/x?y", get.head().target());
        assertEquals("example.com:8080", get.head().authority());
    }

    @Test
    void expectContinueAndUpgradeAreReported() {
        Decoded put = only("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
        assertTrue(put.head().expectContinue());
        Decoded upgrade = only("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        assertEquals(List.of("h2c"), upgrade.head().upgrade());
    }

    @Test
    void leadingEmptyLinesAreSkipped() {
        assertEquals("/", only("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").head().target());
    }

    /** Each of these is refused with its status and the decoder stops: nothing after it is read. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "content-length with transfer-encoding | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
        "two content-lengths                   | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nContent-Length: 3\\r\\n\\r\\nabc",
        "conflicting content-lengths           | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd",
        "content-length list                   | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3, 3\\r\\n\\r\\nabc",
        "negative content-length               | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: -1\\r\\n\\r\\n",
        "huge content-length                   | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 99999999999999999999\\r\\n\\r\\n",
        "bare LF ending a line                 | 400 | GET / HTTP/1.1\\nHost: a\\r\\n\\r\\n",
        "bare LF ending the head               | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\n\\n",
        "bare CR                               | 400 | GET / HTTP/1.1\\r\\nHost: a\\rX: y\\r\\n\\r\\n",
        "obs-fold                              | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nX: y\\r\\n  folded\\r\\n\\r\\n",
        "space before colon                    | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding : chunked\\r\\n\\r\\n",
        "control character in a value          | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\u0001b\\r\\n\\r\\n",
        "chunk size not hex                    | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n",
        "chunk size overflowing                | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nFFFFFFFFFFFFFFFFF1\\r\\n",
        "negative chunk size                   | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n-5\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "chunk not followed by CRLF            | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabcX\\r\\n0\\r\\n\\r\\n",
        "bare LF after the chunk size          | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\nabc\\r\\n0\\r\\n\\r\\n",
        "transfer-encoding not chunked last    | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n",
        "chunked twice                         | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n",
        "unknown coding before chunked         | 501 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n",
        "transfer-encoding in HTTP/1.0         | 400 | POST / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
        "no Host in HTTP/1.1                   | 400 | GET / HTTP/1.1\\r\\n\\r\\n",
        "two Hosts                             | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n",
        "two spaces in the request line        | 400 | GET  / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n",
        "HTTP/2.0 request line                 | 505 | GET / HTTP/2.0\\r\\nHost: a\\r\\n\\r\\n",
        "not HTTP at all                       | 400 | GET / FTP/1.1\\r\\nHost: a\\r\\n\\r\\n",
        "unknown expectation                   | 417 | POST / HTTP/1.1\\r\\nHost: a\\r\\nExpect: teapot\\r\\nContent-Length: 1\\r\\n\\r\\nx",
    })
    void refuses(String rule, int status, String escaped) {
        String wire = escaped.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0001", "\u0001")
                + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n";
        for (int step : new int[] {wire.length(), 1}) {
            List<Decoded> all = decodeAll(wire, step);
            assertEquals(1, all.size(), rule + " (step " + step + "): " + all);
            RequestEvent.Malformed refusal = all.getFirst().refusal();
            assertTrue(refusal != null, rule + ": not refused: " + all);
            assertEquals(status, refusal.status(), rule + ": " + refusal.reason());
        }
    }

    @Test
    void aHundredKibibyteRequestLineIs414WithoutWaitingForItsEnd() {
        byte[] line = ("GET /" + "a".repeat(100 * 1024)).getBytes(StandardCharsets.US_ASCII);
        List<Decoded> all = decodeAll(line, 4096, Http1Limits.defaults());
        assertEquals(1, all.size());
        assertEquals(414, all.getFirst().refusal().status());
    }

    @Test
    void headersOverTheBodyPolicysMaxHeaderAre431() {
        String wire = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n";
        List<Decoded> all = decodeAll(wire.getBytes(StandardCharsets.US_ASCII), 100, Http1Limits.forMaxHeader(1024));
        assertEquals(431, all.getFirst().refusal().status());
        assertEquals(1, decodeAll(wire.getBytes(StandardCharsets.US_ASCII), 100, Http1Limits.forMaxHeader(4096)).size());
        assertNull(decodeAll(wire.getBytes(StandardCharsets.US_ASCII), 100, Http1Limits.forMaxHeader(4096)).getFirst().refusal());
    }

    @Test
    void tooManyFieldsAre431() {
        StringBuilder wire = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < RequestDecoder.MAX_FIELDS + 1; i++) {
            wire.append("x:\r\n");
        }
        assertEquals(431, only(wire.append("\r\n").toString()).refusal().status());
    }

    @Test
    void chunkedBodyRoundTripsEveryChunkSize() {
        // The decoder against the encoder's chunk framing, over sizes that cross every hex digit count.
        for (int size : new int[] {1, 15, 16, 255, 256, 4095, 4096, 65535, 65536, 100_000}) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31);
            }
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            wire.writeBytes(bytes(ResponseEncoder.chunkHeader(size)));
            wire.writeBytes(data);
            wire.writeBytes(bytes(ResponseEncoder.chunkEnd()));
            wire.writeBytes(bytes(new ResponseEncoder().lastChunk(Headers.empty())));
            List<Decoded> all = decodeAll(wire.toByteArray(), 997, Http1Limits.defaults());
            assertEquals(1, all.size(), "size " + size);
            assertEquals(size, all.getFirst().body().length);
            assertTrue(java.util.Arrays.equals(data, all.getFirst().body()), "size " + size);
        }
    }

    @Test
    void malformedStopsTheDecoderForGood() {
        RequestDecoder decoder = new RequestDecoder(Http1Limits.defaults());
        ByteBuffer in = ByteBuffer.wrap("GET / HTTP/1.1\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertInstanceOf(RequestEvent.Malformed.class, decoder.next(in));
        assertTrue(decoder.isFailed());
        assertNull(decoder.next(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
