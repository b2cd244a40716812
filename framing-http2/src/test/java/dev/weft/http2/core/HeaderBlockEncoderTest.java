package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Response header blocks decode back to what was encoded, through an independent decoder. */
class HeaderBlockEncoderTest {
    private final HeaderBlockEncoder encoder = new HeaderBlockEncoder();
    private final HeaderBlockDecoder decoder = new HeaderBlockDecoder(1 << 20, 4096);

    private List<HeaderField> roundTrip(List<HeaderField> fields) throws ConnectionError {
        HeaderBlockDecoder.Result result = decoder.decode(encoder.encode(fields));
        assertFalse(result.overLimit());
        return result.fields();
    }

    @Test
    void commonStatusIsOneOctet() {
        assertArrayEquals(new byte[] {(byte) 0x88}, encoder.encode(List.of(new HeaderField(":status", "200"))));
        assertArrayEquals(new byte[] {(byte) 0x8d}, encoder.encode(List.of(new HeaderField(":status", "404"))));
    }

    @Test
    void everyKindOfFieldRoundTrips() throws ConnectionError {
        List<HeaderField> fields = new ArrayList<>();
        for (String status : List.of("200", "201", "204", "206", "304", "400", "404", "431", "500", "503")) {
            fields.add(new HeaderField(":status", status));
        }
        fields.add(new HeaderField("content-type", "text/plain; charset=utf-8"));
        fields.add(new HeaderField("content-length", "13"));
        fields.add(new HeaderField("www-authenticate", "Basic")); // the static table's last name (index 61)
        fields.add(new HeaderField("x-custom", ""));
        fields.add(new HeaderField("x-long-" + "n".repeat(200), "v".repeat(5000))); // multi-octet lengths
        fields.add(new HeaderField("x-latin1", "caf\u00e9 \u00ff"));
        assertEquals(fields, roundTrip(fields));
    }

    @Test
    void cachedFieldsAreStillRightWhenTheirSlotIsShared() throws ConnectionError {
        String name = "content-type";
        List<HeaderField> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            all.add(new HeaderField(name, "type/" + (i % 97)));
        }
        for (int round = 0; round < 3; round++) {
            assertEquals(all, roundTrip(all));
        }
    }

    @Test
    void lowerTableSizeIsSignalledBeforeTheNextBlock() {
        encoder.peerTableSize(0);
        encoder.peerTableSize(4096);
        // RFC 7541 §4.2: the smallest size since the last block (0), then the final one (4096).
        assertArrayEquals(new byte[] {0x20, 0x3f, (byte) 0xe1, 0x1f, (byte) 0x88},
                encoder.encode(List.of(new HeaderField(":status", "200"))));
        assertArrayEquals(new byte[] {(byte) 0x88}, encoder.encode(List.of(new HeaderField(":status", "200"))));
    }
}
