package dev.weft.http1.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.api.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 response encoder, compared with exact bytes. */
class ResponseEncoderTest {

    private static String text(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void lengthFramedHeadWithDate() {
        ByteBuffer head = new ResponseEncoder().head(200, Headers.of("content-type", "text/plain"),
                ResponseEncoder.Framing.LENGTH, 13, null, "Fri, 04 Dec 2026 20:00:00 GMT", 0);
        assertEquals("HTTP/1.1 200 OK\r\ndate: Fri, 04 Dec 2026 20:00:00 GMT\r\ncontent-type: text/plain\r\n"
                + "content-length: 13\r\n\r\n", text(head));
    }

    @Test
    void handlerFramingFieldsAreReplacedAndSplittingValuesDropped() {
        ResponseEncoder encoder = new ResponseEncoder();
        ByteBuffer head = encoder.head(404, Headers.of("content-length", "999", "transfer-encoding", "chunked",
                        "connection", "keep-alive", "x-evil", "a\r\nset-cookie: b", "x-ok", "fine"),
                ResponseEncoder.Framing.CHUNKED, -1, "close", null, 0);
        assertEquals("HTTP/1.1 404 Not Found\r\nx-ok: fine\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
                text(head));
        assertEquals(1, encoder.droppedFields());
    }

    @Test
    void noContentAnswersAnnounceNoLength() {
        ByteBuffer head = new ResponseEncoder().head(204, Headers.empty(), ResponseEncoder.Framing.NONE, -1, null, null, 0);
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n", text(head));
        ByteBuffer forHead = new ResponseEncoder().head(200, Headers.empty(), ResponseEncoder.Framing.NONE, 65536,
                "keep-alive", null, 0);
        assertEquals("HTTP/1.1 200 OK\r\ncontent-length: 65536\r\nconnection: keep-alive\r\n\r\n", text(forHead));
    }

    @Test
    void chunkFramingAndTrailers() {
        assertEquals("1a\r\n", text(ResponseEncoder.chunkHeader(26)));
        assertEquals("10000\r\n", text(ResponseEncoder.chunkHeader(65536)));
        assertEquals("\r\n", text(ResponseEncoder.chunkEnd()));
        assertEquals("0\r\nchecksum: abc\r\n\r\n",
                text(new ResponseEncoder().lastChunk(Headers.of("checksum", "abc", "content-length", "3"))));
        assertEquals("0\r\n\r\n", text(new ResponseEncoder().lastChunk(Headers.empty())));
    }

    @Test
    void manyLongFieldsGrowTheBuffer() {
        Headers.Builder many = Headers.builder();
        for (int i = 0; i < 100; i++) {
            many.add("x-field-" + i, "v".repeat(100));
        }
        String head = text(new ResponseEncoder().head(200, many.build(), ResponseEncoder.Framing.LENGTH, 0, null, null, 0));
        assertEquals(true, head.endsWith("x-field-99: " + "v".repeat(100) + "\r\ncontent-length: 0\r\n\r\n"));
    }
}
