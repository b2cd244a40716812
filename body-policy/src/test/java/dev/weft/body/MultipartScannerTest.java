package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sans-IO multipart scanner, fed by hand: chunking, near-miss delimiters, framing edge cases, errors. */
class MultipartScannerTest {
    private static final byte[] BOUNDARY = Multipart.BOUNDARY.getBytes(StandardCharsets.US_ASCII);
    private static final String DELIMITER = "--" + Multipart.BOUNDARY;

    /** Records what the scanner reports, merging a part's body slices. */
    private static final class Recorder implements MultipartScanner.Sink {
        final List<String> events = new ArrayList<>();
        private ByteArrayOutputStream body;
        /** Header sections that open a nested multipart/mixed, answered with this boundary. */
        byte[] nestedBoundary;

        @Override
        public byte[] headers(byte[] section) {
            String text = new String(section, StandardCharsets.ISO_8859_1);
            events.add("headers " + text.strip());
            body = new ByteArrayOutputStream();
            return nestedBoundary != null && text.contains("multipart/mixed") ? nestedBoundary : null;
        }

        @Override
        public void body(ByteBuffer bytes) {
            assertTrue(bytes.hasRemaining(), "no empty slices");
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            body.writeBytes(copy);
        }

        @Override
        public void partEnd() {
            events.add("body " + body.toString(StandardCharsets.ISO_8859_1));
            body = null;
        }

        @Override
        public void nestedEnd() {
            events.add("nested end");
        }
    }

    private static List<String> scan(byte[] form, int chunkSize) throws IOException {
        return scan(form, chunkSize, null);
    }

    private static List<String> scan(byte[] form, int chunkSize, byte[] nestedBoundary) throws IOException {
        MultipartScanner scanner = new MultipartScanner(BOUNDARY, 8192);
        Recorder recorder = new Recorder();
        recorder.nestedBoundary = nestedBoundary;
        for (int from = 0; from < form.length; from += chunkSize) {
            // a chunk in the middle of a larger array, as a real read buffer is
            byte[] padded = new byte[chunkSize + 6];
            int length = Math.min(chunkSize, form.length - from);
            System.arraycopy(form, from, padded, 3, length);
            ByteBuffer chunk = ByteBuffer.wrap(padded, 3, length);
            scanner.feed(chunk, recorder);
            assertFalse(chunk.hasRemaining(), "feed consumes the whole chunk");
        }
        scanner.finish();
        return recorder.events;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String part(String name, String content) {
        return DELIMITER + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + content + "\r\n";
    }

    private static String headers(String name) {
        return "headers Content-Disposition: form-data; name=\"" + name + "\"";
    }

    @Test
    void twoPartsAtEveryChunkSizeGiveTheSameEvents() throws IOException {
        // bodies full of near misses: CR, CRLF, CRLF--, a delimiter prefix, a delimiter without its CRLF
        String tricky = "\r\r\n\r\n-\r\n--\r\n" + DELIMITER.substring(0, DELIMITER.length() - 1) + "\r\n--weft" + DELIMITER
                + "x\r" + DELIMITER + "\r\n\r\n";
        byte[] form = ascii(part("a", tricky) + part("b", "\r\n" + tricky + "\r") + DELIMITER + "--\r\n");
        List<String> expected = List.of(headers("a"), "body " + tricky, headers("b"), "body \r\n" + tricky + "\r");
        for (int chunkSize = 1; chunkSize <= form.length; chunkSize++) {
            assertEquals(expected, scan(form, chunkSize), "chunk size " + chunkSize);
        }
    }

    @Test
    void aDelimiterSplitAtEveryPositionOfTwoChunksIsFound() throws IOException {
        byte[] form = ascii(part("a", "x".repeat(100)) + DELIMITER + "--");
        List<String> expected = List.of(headers("a"), "body " + "x".repeat(100));
        for (int split = 1; split < form.length; split++) {
            MultipartScanner scanner = new MultipartScanner(BOUNDARY, 8192);
            Recorder recorder = new Recorder();
            scanner.feed(ByteBuffer.wrap(form, 0, split), recorder);
            scanner.feed(ByteBuffer.wrap(form, split, form.length - split), recorder);
            assertTrue(scanner.complete(), "split " + split);
            scanner.finish();
            assertEquals(expected, recorder.events, "split " + split);
        }
    }

    @Test
    void preambleEpilogueAndEmptyPartsAreHandled() throws IOException {
        byte[] form = ascii("a preamble line\r\n-- not it\r\n" + part("a", "") + part("b", "2") + DELIMITER
                + "--\r\nan epilogue, " + DELIMITER + " ignored\r\n");
        for (int chunkSize : new int[] {1, 2, 7, 64, form.length}) {
            assertEquals(List.of(headers("a"), "body ", headers("b"), "body 2"), scan(form, chunkSize));
        }
    }

    @Test
    void aFirstDelimiterMidLineIsFoundAsFileuploadFoundIt() throws IOException {
        // fileupload2 searched "--boundary" anywhere in the preamble; forms it read stay readable
        byte[] form = ascii("---\r\n-\r" + part("a", "1") + DELIMITER + "--");
        assertEquals(List.of(headers("a"), "body 1"), scan(form, 3));
    }

    @Test
    void transportPaddingAndABareLineFeedAfterABoundaryAreAccepted() throws IOException {
        byte[] form = ascii(DELIMITER + " \t \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" + DELIMITER
                + "\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n" + DELIMITER + "--");
        for (int chunkSize = 1; chunkSize <= form.length; chunkSize++) {
            assertEquals(List.of(headers("a"), "body 1", headers("b"), "body 2"), scan(form, chunkSize));
        }
    }

    @Test
    void aNestedMultipartMixedIsReadInsideItsPart() throws IOException {
        String inner = "inner-boundary-42";
        byte[] form = ascii(DELIMITER + "\r\nContent-Disposition: form-data; name=\"files\"\r\n"
                + "Content-Type: multipart/mixed; boundary=" + inner + "\r\n\r\n"
                + "--" + inner + "\r\nContent-Disposition: file; filename=\"a.txt\"\r\n\r\nA\r\n"
                + "--" + inner + "\r\nContent-Disposition: file; filename=\"b.txt\"\r\n\r\nB\r\n"
                + "--" + inner + "--\r\nnested epilogue\r\n" + part("after", "3") + DELIMITER + "--");
        List<String> expected = List.of("headers Content-Disposition: form-data; name=\"files\"\r\n"
                        + "Content-Type: multipart/mixed; boundary=" + inner,
                "headers Content-Disposition: file; filename=\"a.txt\"", "body A",
                "headers Content-Disposition: file; filename=\"b.txt\"", "body B",
                "nested end", headers("after"), "body 3");
        for (int chunkSize = 1; chunkSize <= form.length; chunkSize++) {
            assertEquals(expected, scan(form, chunkSize, ascii(inner)), "chunk size " + chunkSize);
        }
    }

    @Test
    void aBodyWithoutItsCloseDelimiterIsMalformed() {
        for (String form : new String[] {part("a", "1"), part("a", "1") + DELIMITER + "\r\n",
                DELIMITER + "\r\nContent-Disposition: form-data; name=\"a\"\r\n"}) {
            MalformedFormException error = assertThrows(MalformedFormException.class, () -> scan(ascii(form), 5), form);
            assertEquals(400, error.status());
            assertEquals("malformed multipart body: stream ended unexpectedly", error.getMessage());
        }
    }

    @Test
    void aBodyEndingInADelimiterLineIsCompleteAsForFileupload() throws IOException {
        for (String end : new String[] {"", "-", "\r", " "}) {
            assertEquals(List.of(headers("a"), "body 1"), scan(ascii(part("a", "1") + DELIMITER + end), 3), end);
        }
        assertEquals(List.of(), scan(ascii(DELIMITER), 3));
    }

    @Test
    void aBodyWithoutAnyDelimiterIsNotAForm() {
        for (String form : new String[] {"", "hello", "--other--\r\n", "-" + DELIMITER.substring(2)}) {
            MalformedFormException error = assertThrows(MalformedFormException.class, () -> scan(ascii(form), 4), form);
            assertEquals("malformed multipart body: no boundary delimiter found", error.getMessage());
        }
    }

    @Test
    void charactersOtherThanPaddingAfterABoundaryAreMalformed() {
        for (String after : new String[] {"x", "-x", "\rx", " x", " -"}) {
            String form = part("a", "1") + DELIMITER + after + "\r\n" + DELIMITER + "--";
            MalformedFormException error = assertThrows(MalformedFormException.class, () -> scan(ascii(form), 1), after);
            assertEquals("malformed multipart body: unexpected characters follow a boundary", error.getMessage());
        }
    }

    @Test
    void aHeaderSectionIsCutAtMaxHeaderBytesTerminatorIncluded() throws IOException {
        String section = "Content-Disposition: form-data; name=\"a\"\r\n\r\n";
        byte[] form = ascii(DELIMITER + "\r\n" + section + "1\r\n" + DELIMITER + "--");
        MultipartScanner fits = new MultipartScanner(BOUNDARY, section.length());
        fits.feed(ByteBuffer.wrap(form), new Recorder());
        fits.finish();
        MultipartScanner tooSmall = new MultipartScanner(BOUNDARY, section.length() - 1);
        BodyQuotaException error = assertThrows(BodyQuotaException.class,
                () -> tooSmall.feed(ByteBuffer.wrap(form), new Recorder()));
        assertEquals(Quota.MAX_HEADER, error.quota());
        assertEquals(section.length() - 1, error.limit());
    }

    @Test
    void unusableBoundariesAreRejected() {
        assertEquals(400, assertThrows(MalformedFormException.class, () -> new MultipartScanner(null, 100)).status());
        assertEquals(400, assertThrows(MalformedFormException.class, () -> new MultipartScanner(new byte[0], 100)).status());
        assertEquals(400, assertThrows(MalformedFormException.class, () -> new MultipartScanner(ascii("a\rb"), 100)).status());
        assertEquals(415, assertThrows(MalformedFormException.class,
                () -> new MultipartScanner(new byte[MultipartScanner.MAX_BOUNDARY + 1], 100)).status());
    }

    @Test
    void indexOfCrFindsTheFirstCrAtEveryPositionAndAlignment() {
        SplittableRandom random = new SplittableRandom(13);
        for (int length = 0; length < 40; length++) {
            for (int trial = 0; trial < 50; trial++) {
                byte[] bytes = new byte[length + 5];
                for (int i = 0; i < bytes.length; i++) {
                    // bytes near CR (0x0c, 0x0e, 0x8d) catch a sloppy zero-byte test
                    bytes[i] = (byte) switch (random.nextInt(6)) {
                        case 0 -> '\r';
                        case 1 -> 0x0c;
                        case 2 -> 0x8d;
                        default -> random.nextInt(256);
                    };
                }
                int from = random.nextInt(3);
                int to = Math.min(bytes.length, from + length);
                int expected = to;
                for (int i = from; i < to; i++) {
                    if (bytes[i] == '\r') {
                        expected = i;
                        break;
                    }
                }
                ByteBuffer words = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(expected, MultipartScanner.indexOfCr(words, from, to), Arrays.toString(bytes) + " " + from);
            }
        }
    }
}
