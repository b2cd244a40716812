package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.spi.PrefaceMatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@code --protocol auto} hears from the http/1.1 protocol about a connection's first bytes. */
class Http1ProtocolTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "\"GET \"                     | YES",
        "\"POST /upload HTTP/1.1\"    | YES",
        "\"M-SEARCH \"                | YES",
        "G                           | NEED_MORE",
        "GET                         | NEED_MORE",
        "\"PRI \"                     | NO",
        "\"PRI * HTTP/2.0\"           | NO",
        "PRI                         | NEED_MORE",
        "\" GET\"                     | NO",
        "/hello                      | NO",
        "\"\"                         | NEED_MORE",
    })
    void detects(String prefix, PrefaceMatch expected) {
        ByteBuffer bytes = ByteBuffer.wrap(prefix.getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(expected, Http1Protocol.withoutUpgrade().detect(bytes));
        assertEquals(0, bytes.position(), "detection consumes nothing");
    }

    @ParameterizedTest
    @CsvSource({"0x00", "0x16", "0x80"})
    void binaryFirstBytesAreNotHttp1(String first) {
        ByteBuffer bytes = ByteBuffer.wrap(new byte[] {(byte) Integer.decode(first).intValue(), 0, 0, 1});
        assertEquals(PrefaceMatch.NO, Http1Protocol.withoutUpgrade().detect(bytes));
    }
}
