package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.twitter.hpack.Decoder;
import dev.weft.http1.core.Http1Limits;
import dev.weft.http1.core.RequestDecoder;
import dev.weft.http1.core.RequestEvent;
import dev.weft.http1.core.RequestHead;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stream 1's frames made from an upgrade request, read back by a real HPACK decoder. */
class H2cUpgradeTest {

    private static RequestHead head(String wire) {
        RequestEvent event = new RequestDecoder(new Http1Limits(8192, 64 * 1024, 1024))
                .next(ByteBuffer.wrap(wire.getBytes(StandardCharsets.ISO_8859_1)));
        return ((RequestEvent.Head) event).head();
    }

    private static final String UPGRADE = "GET /p?q=1 HTTP/1.1\r\nHost: example:80\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n";

    @Test
    void onlyWellFormedBodylessUpgradesAreTaken() {
        assertTrue(H2cUpgrade.wanted(head(UPGRADE + "\r\n")));
        assertFalse(H2cUpgrade.wanted(head(UPGRADE + "Content-Length: 3\r\n\r\nabc")), "a request with a body stays HTTP/1.1");
        assertFalse(H2cUpgrade.wanted(head(UPGRADE.replace("HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n", "") + "\r\n")));
        assertFalse(H2cUpgrade.wanted(head(UPGRADE.replace("Upgrade, HTTP2-Settings", "Upgrade") + "\r\n")));
        assertFalse(H2cUpgrade.wanted(head(UPGRADE.replace("AAMAAABkAAQCAAAAAAIAAAAA", "not base64!") + "\r\n")));
        assertFalse(H2cUpgrade.wanted(head(UPGRADE.replace("h2c", "websocket") + "\r\n")));
    }

    @Test
    void headersFramesCarryTheRequestAndSplitIntoContinuations() throws Exception {
        String big = "v".repeat(40_000);
        byte[] frames = H2cUpgrade.headersFrames(head(UPGRADE + "Accept: */*\r\nX-Big: " + big + "\r\n\r\n"));
        ByteBuffer in = ByteBuffer.wrap(frames);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        List<String> types = new ArrayList<>();
        while (in.hasRemaining()) {
            int length = (in.get() & 0xff) << 16 | (in.get() & 0xff) << 8 | (in.get() & 0xff);
            int type = in.get();
            int flags = in.get();
            int stream = in.getInt();
            assertEquals(1, stream);
            assertTrue(length <= 16_384);
            types.add(type + "/" + flags);
            byte[] payload = new byte[length];
            in.get(payload);
            block.writeBytes(payload);
        }
        assertEquals(List.of("1/1", "9/0", "9/4"), types, "HEADERS with END_STREAM, then CONTINUATIONs, the last with END_HEADERS");
        List<String> fields = new ArrayList<>();
        new Decoder(65_536, 4096).decode(new ByteArrayInputStream(block.toByteArray()),
                (name, value, sensitive) -> fields.add(new String(name, StandardCharsets.ISO_8859_1) + "="
                        + (value.length > 20 ? value.length + " bytes" : new String(value, StandardCharsets.ISO_8859_1))));
        assertEquals(List.of(":method=GET", ":scheme=http", ":authority=example:80", ":path=/p?q=1", "accept=*/*",
                "x-big=40000 bytes"), fields, "connection-specific fields are not forwarded");
    }
}
