package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import dev.weft.api.StreamContent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.RequestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The body parser against commons-fileupload2's own streaming parser (which parsed bodies before
 * {@link MultipartScanner}), as the oracle: seeded random forms — random boundaries, part counts,
 * names, file names, types, contents full of near-miss delimiters, preambles, epilogues —
 * handed over in random chunks must give the same parts, and cut short they must fail in both
 * (but for the one cut fileupload2 reads as complete, right after a delimiter).
 */
class MultipartOracleTest {
    private static final String BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?";
    private static final BodyPolicy ALL_IN_RAM = BodyPolicy.defaults().withMaxRam(64L << 20)
            .withStorage((field, fileName, type) -> BodyPolicy.Storage.RAM);

    @TempDir
    Path root;

    /** One part as either parser reports it. */
    private record Part(String name, String fileName, String type, String content) {
    }

    private record Form(String contentType, byte[] body, int closeEnd) {
    }

    @Test
    void randomFormsGiveTheSamePartsAsFileupload() throws IOException {
        SplittableRandom random = new SplittableRandom(20261205);
        FormParser parser = FormParser.create(TempDirectory.open(root.resolve("weft")));
        int nonEmpty = 0;
        for (int i = 0; i < 2_000; i++) {
            Form form = generate(random);
            List<Part> expected = oracle(form);
            List<Part> actual = ours(parser, form, random, ALL_IN_RAM);
            assertEquals(expected, actual, "form " + i + ": " + new String(form.body(), StandardCharsets.ISO_8859_1));
            nonEmpty += expected.isEmpty() ? 0 : 1;
        }
        assertTrue(nonEmpty > 1_500, "most forms have parts: " + nonEmpty);
    }

    @Test
    void randomFormsCutShortFailInBoth() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        FormParser parser = FormParser.create(TempDirectory.open(root.resolve("weft")));
        int failed = 0;
        for (int i = 0; i < 1_000; i++) {
            Form whole = generate(random);
            Form cut = new Form(whole.contentType(), Arrays.copyOf(whole.body(), random.nextInt(whole.closeEnd())), 0);
            List<Part> expected;
            try {
                expected = oracle(cut);
            } catch (IOException oracleFailed) {
                expected = null;
            }
            String what = "form " + i + " cut at " + cut.body().length + ": "
                    + new String(cut.body(), StandardCharsets.ISO_8859_1).replace("\r", "<CR>").replace("\n", "<LF>");
            if (expected == null) {
                FormException error = assertThrows(FormException.class, () -> ours(parser, cut, random, ALL_IN_RAM), what);
                assertEquals(400, error.status());
                failed++;
            } else if (expected.isEmpty()) {
                // fileupload2 read a body without a delimiter, or cut short at its first one, as
                // an empty form: the reader answered 400 to the first; the scanner answers 400
                // to the second too, unless the body ends right after that delimiter
                try {
                    assertEquals(List.of(), ours(parser, cut, random, ALL_IN_RAM), what);
                } catch (FormException error) {
                    assertEquals(400, error.status(), what);
                    failed++;
                }
            } else {
                // only a body that ends right after a delimiter is complete for fileupload2
                try {
                    assertEquals(expected, ours(parser, cut, random, ALL_IN_RAM), what);
                } catch (FormException error) {
                    throw new AssertionError(what + " " + expected, error);
                }
            }
        }
        assertTrue(failed > 900, "most cut forms fail: " + failed);
    }

    private static Form generate(SplittableRandom random) {
        StringBuilder boundary = new StringBuilder();
        for (int i = 1 + random.nextInt(70); i > 0; i--) {
            boundary.append(BCHARS.charAt(random.nextInt(BCHARS.length())));
        }
        String delimiter = "--" + boundary;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (random.nextInt(4) == 0) {
            write(body, nearMisses(random, delimiter, true) + "\r\n");
        }
        for (int parts = random.nextInt(6); parts > 0; parts--) {
            write(body, delimiter + (random.nextInt(8) == 0 ? "\n" : "\r\n"));
            int kind = random.nextInt(8);
            StringBuilder headers = new StringBuilder();
            if (kind == 0) { // no name: skipped by both
                headers.append("X-Kind: nameless\r\n");
            } else {
                headers.append("Content-Disposition: form-data; name=\"f").append(random.nextInt(5)).append('"');
                if (kind > 4) {
                    headers.append("; filename=\"file").append(random.nextInt(100)).append(".bin\"");
                }
                headers.append("\r\n");
            }
            if (random.nextBoolean()) {
                headers.append("Content-Type: ").append(random.nextBoolean() ? "text/plain" : "application/octet-stream").append("\r\n");
            }
            write(body, headers + "\r\n");
            write(body, nearMisses(random, delimiter, false));
            write(body, "\r\n");
        }
        write(body, delimiter + "--");
        int closeEnd = body.size();
        if (random.nextBoolean()) {
            write(body, "\r\n" + (random.nextBoolean() ? "" : nearMisses(random, delimiter, false) + delimiter + "--\r\n"));
        }
        return new Form("multipart/form-data; boundary=" + boundary, body.toByteArray(), closeEnd);
    }

    /** Content made of random bytes and pieces of the delimiter, never the delimiter itself. */
    private static String nearMisses(SplittableRandom random, String delimiter, boolean preamble) {
        StringBuilder content = new StringBuilder();
        for (int pieces = random.nextInt(12); pieces > 0; pieces--) {
            switch (random.nextInt(7)) {
                case 0 -> content.append("\r\n");
                case 1 -> content.append('\r');
                case 2 -> content.append("\r\n").append(delimiter, 0, random.nextInt(delimiter.length()));
                case 3 -> content.append(preamble ? "-" : delimiter); // without its CRLF, data in a part
                case 4 -> content.append("\r\r\n-");
                default -> {
                    for (int n = random.nextInt(300); n > 0; n--) {
                        content.append((char) random.nextInt(256));
                    }
                }
            }
        }
        // a preamble must not hold "--boundary" anywhere, a part's content not "\r\n--boundary";
        // '#' is no boundary character, so the replacement cannot make a new one
        return content.toString().replace(preamble ? delimiter : "\r\n" + delimiter, "#");
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static List<Part> ours(FormParser parser, Form form, SplittableRandom random, BodyPolicy policy) throws IOException {
        try (ExchangeResources resources = new ExchangeResources();
             FormData data = parser.parseBody(chunked(form.body(), random), form.contentType(), policy, resources)) {
            List<Part> parts = new ArrayList<>();
            for (FormField field : data.fields()) {
                Input.InMemory value = (Input.InMemory) field.input();
                parts.add(new Part(field.name(), value.fileName(), value.contentType(),
                        new String(value.bytes(), StandardCharsets.ISO_8859_1)));
            }
            return parts;
        }
    }

    /** The body in random chunks, from 1 byte to all of it. */
    private static Body chunked(byte[] bytes, SplittableRandom random) {
        int maxChunk = 1 + random.nextInt(Math.max(1, bytes.length));
        int[] sent = {0};
        return () -> {
            if (sent[0] == bytes.length) {
                return StreamContent.END;
            }
            int length = Math.min(bytes.length - sent[0], 1 + random.nextInt(maxChunk));
            byte[] chunk = Arrays.copyOfRange(bytes, sent[0], sent[0] + length);
            sent[0] += length;
            return StreamContent.Data.of(chunk);
        };
    }

    private static List<Part> oracle(Form form) throws IOException {
        Oracle upload = new Oracle();
        upload.setHeaderCharset(StandardCharsets.UTF_8);
        FileItemInputIterator items = upload.getItemIterator(new Context(form.contentType(), new ByteArrayInputStream(form.body())));
        List<Part> parts = new ArrayList<>();
        while (items.hasNext()) {
            FileItemInput item = items.next();
            try (InputStream content = item.getInputStream()) {
                parts.add(new Part(item.getFieldName(), item.getName(), item.getContentType(),
                        new String(content.readAllBytes(), StandardCharsets.ISO_8859_1)));
            }
        }
        return parts;
    }

    private record Context(String contentType, InputStream body) implements RequestContext {
        @Override
        public String getCharacterEncoding() {
            return null;
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public InputStream getInputStream() {
            return body;
        }

        @Override
        public boolean isMultipartRelated() {
            return false;
        }
    }

    /** commons-fileupload2's streaming parser, whole. */
    private static final class Oracle extends AbstractFileUpload<RequestContext, DiskFileItem, DiskFileItemFactory> {
        @Override
        public FileItemInputIterator getItemIterator(RequestContext request) throws IOException {
            return super.getItemIterator(request);
        }

        @Override
        public Map<String, List<DiskFileItem>> parseParameterMap(RequestContext request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<DiskFileItem> parseRequest(RequestContext request) {
            throw new UnsupportedOperationException();
        }
    }
}
