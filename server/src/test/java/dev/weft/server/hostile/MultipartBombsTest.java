package dev.weft.server.hostile;

import dev.weft.testing.Poll;
import static dev.weft.server.hostile.H2Attacker.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Multipart bombs over HTTP/2 against {@code POST /upload} (the body policy's quotas, with the
 * disk quota lowered to 4 MiB so a part that never ends trips within seconds): each gets 413 or
 * 431 while it is still sending, no temp file is left, and the honest client is served.
 */
@Timeout(60)
class MultipartBombsTest {
    private static final String BOUNDARY = "weftbomb";
    private static final long MAX_DISK = 4L << 20;
    /** The most any bomb sends before it must have its answer: far beyond every quota. */
    private static final long SEND_AT_MOST = 64L << 20;
    private static final long HEAP_BOUND = 64L << 20;

    @RegisterExtension
    static final HostileFixture FIXTURE = HostileFixture.defaults().bodyPolicy(policy -> policy.withMaxDisk(MAX_DISK));

    @AfterEach
    void noTempFileIsLeft() throws Exception {
        Poll.until("temp files of the exchange deleted", Duration.ofSeconds(10), () -> FIXTURE.server().tempFiles() == 0);
    }

    /** A million tiny parts: stopped at the part cap. */
    @Test
    void aMillionTinyPartsGet413() throws Exception {
        byte[] part = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals("413", bomb(new byte[0], part));
    }

    /** One enormous part header: stopped at the header cap. */
    @Test
    void anEnormousPartHeaderGets431() throws Exception {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Padding: ")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] padding = new byte[16_384];
        Arrays.fill(padding, (byte) 'a');
        assertEquals("431", bomb(head, padding));
    }

    /** A file part that never ends: stopped at the disk quota, its temp file deleted. */
    @Test
    void aFilePartThatNeverEndsGets413AndLeavesNoTempFile() throws Exception {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"endless.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[16_384];
        Arrays.fill(data, (byte) 7);
        assertEquals("413", bomb(head, data));
    }

    /** A field (kept in memory) that never ends: stopped at the memory quota. */
    @Test
    void aFieldThatNeverEndsGets413() throws Exception {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[16_384];
        Arrays.fill(data, (byte) 'v');
        assertEquals("413", bomb(head, data));
    }

    /**
     * Sends {@code head} then {@code unit} over and over as the body of {@code POST /upload},
     * within the server's windows, until the server answers.
     *
     * @return the response status
     */
    private static String bomb(byte[] head, byte[] unit) throws Exception {
        try (H2Attacker attacker = H2Attacker.connect(FIXTURE.server().address()).handshake()) {
            attacker.headers(1, request("POST", "/upload", "content-type", "multipart/form-data; boundary=" + BOUNDARY),
                    false, true);
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.writeBytes(head);
            while (first.size() < 16_384) {
                first.writeBytes(unit);
            }
            byte[] chunk = first.toByteArray();
            byte[] units = repeat(unit);
            int offset = 0;
            long sent = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            try {
                while (!attacker.statuses.containsKey(1) && !attacker.resets.containsKey(1) && !attacker.ended()
                        && sent < SEND_AT_MOST && System.nanoTime() < deadline) {
                    if (offset == chunk.length) {
                        chunk = units;
                        offset = 0;
                    }
                    int n = attacker.dataWithinWindow(1, chunk, offset, chunk.length - offset);
                    offset += n;
                    sent += n;
                    if (n == 0) {
                        attacker.flush();
                        attacker.waitForEnd(Duration.ofMillis(5)); // paces the sender while the window is shut
                    }
                }
                attacker.flush();
            } catch (IOException e) {
                // the server stopped the upload under us
            }
            long sentFinal = sent;
            long wait = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!attacker.statuses.containsKey(1) && System.nanoTime() < wait) {
                attacker.waitForEnd(Duration.ofMillis(20));
            }
            System.out.printf("bomb answered %s after %d KiB sent%n", attacker.statuses.get(1), sentFinal >> 10);
            assertTrue(sentFinal < SEND_AT_MOST, "never answered while sending");
            FIXTURE.assertHeapBounded(HEAP_BOUND);
            return attacker.statuses.get(1);
        }
    }

    private static byte[] repeat(byte[] unit) {
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        while (chunk.size() + unit.length <= 16_384 || chunk.size() == 0) {
            chunk.writeBytes(unit);
        }
        return chunk.toByteArray();
    }
}
