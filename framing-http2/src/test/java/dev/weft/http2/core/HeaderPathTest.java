package dev.weft.http2.core;

import static dev.weft.http2.core.HeaderBlockDecoder.AUTHORITY;
import static dev.weft.http2.core.HeaderBlockDecoder.BAD_NAME;
import static dev.weft.http2.core.HeaderBlockDecoder.CONNECTION_SPECIFIC;
import static dev.weft.http2.core.HeaderBlockDecoder.CONTENT_LENGTH;
import static dev.weft.http2.core.HeaderBlockDecoder.COOKIE;
import static dev.weft.http2.core.HeaderBlockDecoder.EMPTY_NAME;
import static dev.weft.http2.core.HeaderBlockDecoder.HOST;
import static dev.weft.http2.core.HeaderBlockDecoder.METHOD;
import static dev.weft.http2.core.HeaderBlockDecoder.NAME_CLASS;
import static dev.weft.http2.core.HeaderBlockDecoder.PATH;
import static dev.weft.http2.core.HeaderBlockDecoder.PSEUDO_OTHER;
import static dev.weft.http2.core.HeaderBlockDecoder.REGULAR;
import static dev.weft.http2.core.HeaderBlockDecoder.SCHEME;
import static dev.weft.http2.core.HeaderBlockDecoder.TE;
import static dev.weft.http2.core.HeaderBlockDecoder.VALUE_BLANK_EDGE;
import static dev.weft.http2.core.HeaderBlockDecoder.VALUE_CONTROL;
import static dev.weft.http2.core.HeaderBlockDecoder.VALUE_TRAILERS;
import static dev.weft.http2.core.ScriptedPeer.get;
import static dev.weft.http2.core.ScriptedPeer.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.twitter.hpack.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one-pass header path of issue 12: names and values classified once per array by the
 * decoder, the verdicts reused for indexed fields, the scanner's memory of verified Huffman strings.
 */
class HeaderPathTest {
    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        ":method|" + METHOD, ":scheme|" + SCHEME, ":authority|" + AUTHORITY, ":path|" + PATH,
        ":status|" + PSEUDO_OTHER, ":pathx|" + PSEUDO_OTHER, ":|" + PSEUDO_OTHER,
        "host|" + HOST, "te|" + TE, "content-length|" + CONTENT_LENGTH, "cookie|" + COOKIE,
        "connection|" + CONNECTION_SPECIFIC, "keep-alive|" + CONNECTION_SPECIFIC, "upgrade|" + CONNECTION_SPECIFIC,
        "proxy-connection|" + CONNECTION_SPECIFIC, "transfer-encoding|" + CONNECTION_SPECIFIC,
        "Host|" + BAD_NAME, "x:y|" + BAD_NAME, "a b|" + BAD_NAME, "caf\u00e9|" + BAD_NAME,
        "x-te|" + REGULAR, "hosts|" + REGULAR, "accept|" + REGULAR, "content-lengths|" + REGULAR})
    void namesAreClassifiedFromTheirOctets(String name, int nameClass) {
        assertEquals(nameClass, HeaderBlockDecoder.info(latin1(name)) & NAME_CLASS, name);
    }

    @Test
    void emptyNameAndValueVerdicts() {
        assertEquals(EMPTY_NAME, HeaderBlockDecoder.info(new byte[0]) & NAME_CLASS);
        assertEquals(0, HeaderBlockDecoder.info(new byte[0]) & ~NAME_CLASS);
        assertEquals(VALUE_CONTROL, HeaderBlockDecoder.info(latin1("a\0b")) & VALUE_CONTROL);
        assertEquals(VALUE_CONTROL, HeaderBlockDecoder.info(latin1("a\rb")) & VALUE_CONTROL);
        assertEquals(VALUE_CONTROL, HeaderBlockDecoder.info(latin1("a\nb")) & VALUE_CONTROL);
        assertEquals(VALUE_BLANK_EDGE, HeaderBlockDecoder.info(latin1(" a")) & ~NAME_CLASS);
        assertEquals(VALUE_BLANK_EDGE, HeaderBlockDecoder.info(latin1("a\t")) & ~NAME_CLASS);
        assertEquals(VALUE_TRAILERS, HeaderBlockDecoder.info(latin1("trailers")) & ~NAME_CLASS);
        assertEquals(0, HeaderBlockDecoder.info(latin1("trailers, x")) & VALUE_TRAILERS);
        assertEquals(0, HeaderBlockDecoder.info(latin1("a b\u00ff")) & ~NAME_CLASS);
    }

    @Test
    void anIndexedFieldKeepsItsVerdicts() throws IOException, ConnectionError {
        Encoder encoder = new Encoder(4096);
        HeaderBlockDecoder decoder = new HeaderBlockDecoder(65_536, 4096);
        byte[] first = block(encoder, "te", "trailers", "x-a", "b");
        byte[] second = block(encoder, "te", "trailers", "x-a", "b");
        assertTrue(second.length < first.length, "the second block refers to the dynamic table");
        HeaderBlockDecoder.Result result = decoder.decode(first);
        assertEquals(VALUE_TRAILERS, result.valueInfo(0));
        result = decoder.decode(second);
        assertEquals(2, result.size());
        assertEquals("te", result.name(0));
        assertEquals("b", result.value(1));
        assertEquals(TE, result.nameInfo(0));
        assertEquals(VALUE_TRAILERS, result.valueInfo(0));
        assertEquals(REGULAR, result.nameInfo(1));
        assertEquals(0, result.valueInfo(1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "x-a|'b '", "x-a|'a\rb'", "X-Up|v", "connection|close", "te|gzip", "content-length|x1", ":status|200"})
    void aMalformedFieldIsRejectedAgainWhenItComesIndexed(String name, String value) {
        ScriptedPeer peer = new ScriptedPeer().handshake();
        peer.send(peer.headers(1, true, get("/", name, value)));
        peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        peer.send(peer.headers(3, true, get("/", name, value)));
        peer.expectReset(3, ErrorCode.PROTOCOL_ERROR);
        peer.send(peer.headers(5, true, get("/")));
        assertEquals(1, peer.events(Http2Event.RequestStarted.class).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "82 86 41 01 61 04 03 2f 61 20", // :path "/a " literal without indexing: trailing space
        "82 86 41 01 61 44 01 2f 10 01 58 01 76", // never-indexed literal with name "X"
        "82 86 41 01 61 44 01 2f 00 01 78 02 61 0a"}) // literal name "x", value "a\n"
    void malformedLiteralsOutsideTheTableAreRejected(String block) {
        ScriptedPeer peer = new ScriptedPeer().handshake();
        peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex(block)), true, true, null, 0));
        peer.expectReset(1, ErrorCode.PROTOCOL_ERROR);
        peer.send(new Frame.Headers(3, ByteBuffer.wrap(hex("82 86 41 01 61 04 02 2f 62 00 01 78 01 79")), true, true, null, 0));
        Http2Event.RequestStarted started = peer.events(Http2Event.RequestStarted.class).get(0);
        assertEquals("/b", started.head().target());
        assertEquals("y", started.head().headers().get("x"));
    }

    @Test
    void aVerifiedHuffmanStringDoesNotVouchForAnotherOfTheSameShape() throws ConnectionError {
        HpackBlockScanner scanner = new HpackBlockScanner();
        byte[] good = hex("82 86 84 41 82 18 ff"); // :authority "aa", padded with ones
        byte[] bad = hex("82 86 84 41 82 18 fe"); // same length and first octet, padding ends in 0
        scanner.scan(good, 0, good.length, 4096);
        scanner.scan(good, 0, good.length, 4096);
        ConnectionError e = assertThrows(ConnectionError.class, () -> scanner.scan(bad, 0, bad.length, 4096));
        assertEquals(ErrorCode.COMPRESSION_ERROR, e.code());
        scanner.scan(good, 0, good.length, 4096);
    }

    @Test
    void badHuffmanAfterAGoodOneOnTheSameConnectionIsCompressionError() {
        ScriptedPeer peer = new ScriptedPeer().handshake();
        peer.send(new Frame.Headers(1, ByteBuffer.wrap(hex("82 86 84 41 82 18 ff")), true, true, null, 0));
        assertEquals("aa", peer.events(Http2Event.RequestStarted.class).get(0).head().authority());
        peer.send(new Frame.Headers(3, ByteBuffer.wrap(hex("82 86 84 41 82 18 fe")), true, true, null, 0));
        peer.expectGoAway(ErrorCode.COMPRESSION_ERROR);
    }

    private static byte[] block(Encoder encoder, String... namesAndValues) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            encoder.encodeHeader(out, latin1(namesAndValues[i]), latin1(namesAndValues[i + 1]), false);
        }
        return out.toByteArray();
    }
}
