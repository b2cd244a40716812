package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class FormParserTest {
    @TempDir
    Path root;

    private TempDirectory temp;
    private FormParser parser;
    private ExchangeResources resources;

    @BeforeEach
    void openTempDirectory() throws IOException {
        temp = TempDirectory.open(root.resolve("weft"));
        parser = FormParser.create(temp).withFileDigests(true);
        resources = new ExchangeResources();
    }

    @AfterEach
    void close() {
        resources.close();
        temp.close();
    }

    private List<Path> tempFilesLeft() throws IOException {
        try (Stream<Path> files = Files.list(temp.runDirectory())) {
            return files.filter(path -> !path.getFileName().toString().equals(".lock")).toList();
        }
    }

    private Request post(String contentType, byte[] body, BodyPolicy policy) {
        return Request.builder().method("POST").target("/upload?q=1&q=2")
                .headers(Headers.of("content-type", contentType, "cookie", "session=abc; theme=\"dark\""))
                .body(Body.of(body)).bodyPolicy(policy).resources(resources).build();
    }

    @Test
    void parsesFieldsFilesQueryAndCookiesInOrder() throws Exception {
        byte[] content = new byte[200_000];
        new Random(1).nextBytes(content);
        byte[] body = new Multipart().field("title", "héllo").file("doc", "a b.bin", "application/octet-stream", content)
                .field("title", "second").build();
        Request request = post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults());

        FormData form = parser.parse(request);

        List<String> names = form.fields().stream().map(field -> field.source() + ":" + field.name()).toList();
        assertEquals(List.of("QUERY:q", "QUERY:q", "BODY:title", "BODY:doc", "BODY:title", "COOKIE:session",
                "COOKIE:theme"), names);
        assertEquals("héllo", ((Input.InMemory) form.first("title")).text());
        assertEquals("dark", ((Input.InMemory) form.first("theme")).text());
        Input.OnDisk file = assertInstanceOf(Input.OnDisk.class, form.first("doc"));
        assertEquals("a b.bin", file.fileName());
        assertEquals("application/octet-stream", file.contentType());
        assertEquals(content.length, file.size());
        assertArrayEquals(content, Files.readAllBytes(file.path()));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)),
                file.sha256().orElseThrow());
        assertTrue(file.path().startsWith(temp.runDirectory()));
        assertEquals(1, tempFilesLeft().size());
        assertTrue(!request.hasBody(), "the parse takes the body");

        resources.close();
        assertEquals(List.of(), tempFilesLeft(), "the exchange's end deletes its temp files");
    }

    @Test
    void formDataCloseDeletesItsFilesEarly() throws Exception {
        byte[] body = new Multipart().file("f", "x.txt", "text/plain", "abc".getBytes(StandardCharsets.UTF_8)).build();
        FormData form = parser.parse(post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults()));
        assertEquals(1, tempFilesLeft().size());
        form.close();
        assertEquals(List.of(), tempFilesLeft());
    }

    @Test
    void tempFilesAreOwnerOnly() throws Exception {
        byte[] body = new Multipart().file("f", "x.txt", "text/plain", "abc".getBytes(StandardCharsets.UTF_8)).build();
        FormData form = parser.parse(post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults()));
        Input.OnDisk file = (Input.OnDisk) form.first("f");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file.path())));
        assertTrue(file.path().getFileName().toString().matches("upload-[0-9a-f]{32}\\.tmp"),
                file.path().getFileName().toString());
    }

    @Test
    void storageStrategyCanKeepFilesInMemory() throws Exception {
        BodyPolicy inMemory = BodyPolicy.defaults().withStorage((field, fileName, type) -> BodyPolicy.Storage.RAM);
        byte[] body = new Multipart().file("f", "x.txt", "text/plain", "abc".getBytes(StandardCharsets.UTF_8)).build();
        FormData form = parser.parse(post(Multipart.CONTENT_TYPE, body, inMemory));
        Input.InMemory value = assertInstanceOf(Input.InMemory.class, form.first("f"));
        assertEquals("abc", value.text());
        assertEquals("x.txt", value.fileName());
        assertEquals(List.of(), tempFilesLeft());
    }

    @Test
    void urlencodedBodyDecodesPlusAndPercent() throws Exception {
        byte[] body = "a=1+2&b=%C3%A9t%C3%A9&empty=&flag&a=3".getBytes(StandardCharsets.US_ASCII);
        FormData form = parser.parse(post("application/x-www-form-urlencoded; charset=utf-8", body,
                BodyPolicy.defaults())).only(java.util.EnumSet.of(Source.BODY));
        assertEquals(List.of("a", "b", "empty", "flag", "a"), form.fields().stream().map(FormField::name).toList());
        assertEquals("1 2", ((Input.InMemory) form.first("a")).text());
        assertEquals("été", ((Input.InMemory) form.first("b")).text());
        assertEquals("", ((Input.InMemory) form.first("flag")).text());
        assertEquals("3", ((Input.InMemory) form.all("a").get(1)).text());
    }

    @Test
    void malformedPercentEncodingIs400() {
        FormException error = assertThrows(FormException.class, () -> parser.parse(post(
                "application/x-www-form-urlencoded", "a=%zz".getBytes(StandardCharsets.US_ASCII), BodyPolicy.defaults())));
        assertEquals(400, error.status());
        assertTrue(error.getMessage().contains("percent-encoding"), error.getMessage());
    }

    @Test
    void otherContentTypeIs415() {
        FormException error = assertThrows(FormException.class,
                () -> parser.parse(post("application/json", "{}".getBytes(StandardCharsets.US_ASCII), BodyPolicy.defaults())));
        assertEquals(415, error.status());
        assertTrue(error.getMessage().contains("application/json"), error.getMessage());
    }

    @Test
    void requestWithoutContentTypeKeepsItsBody() throws Exception {
        Request request = Request.builder().method("POST").target("/x?a=1").body(Body.of("raw")).resources(resources).build();
        FormData form = parser.parse(request);
        assertEquals(1, form.fields().size());
        assertTrue(request.hasBody());
    }

    @Test
    void multipartWithoutClosingBoundaryIs400AndLeavesNoFile() throws Exception {
        byte[] complete = new Multipart().file("f", "x.bin", "application/octet-stream", new byte[10_000]).build();
        byte[] truncated = java.util.Arrays.copyOf(complete, complete.length - 60);
        FormException error = assertThrows(FormException.class,
                () -> parser.parse(post(Multipart.CONTENT_TYPE, truncated, BodyPolicy.defaults())));
        assertEquals(400, error.status());
        assertEquals(List.of(), tempFilesLeft());
    }

    @Test
    void missingBoundaryIs400() {
        FormException error = assertThrows(FormException.class, () -> parser.parse(post("multipart/form-data",
                "whatever".getBytes(StandardCharsets.US_ASCII), BodyPolicy.defaults())));
        assertEquals(400, error.status());
    }

    @Test
    void bodyFailingMidUploadLeavesNoTempFileAndRethrowsItsError() throws Exception {
        byte[] body = new Multipart().field("a", "1").file("f", "big.bin", "application/octet-stream", new byte[300_000]).build();
        IOException reset = new IOException("stream reset by peer");
        AtomicBoolean closed = new AtomicBoolean();
        Body failing = new Body() {
            private int offset;

            @Override
            public StreamContent next() throws IOException {
                if (offset >= 200_000) {
                    throw reset;
                }
                int length = Math.min(16_384, body.length - offset);
                byte[] chunk = java.util.Arrays.copyOfRange(body, offset, offset + length);
                offset += length;
                return StreamContent.Data.of(chunk);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        Request request = Request.builder().method("POST").path("/upload")
                .headers(Headers.of("content-type", Multipart.CONTENT_TYPE)).body(failing).resources(resources).build();

        IOException error = assertThrows(IOException.class, () -> parser.parse(request));

        assertSame(reset, error, "the body's own failure, not a 400");
        assertEquals(List.of(), tempFilesLeft());
        assertTrue(closed.get(), "the failed body is closed");
    }

    @Test
    void bodyFailingInsidePartHeadersRethrowsItsError() throws Exception {
        byte[] start = ("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-da").getBytes(StandardCharsets.US_ASCII);
        IOException reset = new IOException("connection lost");
        Body failing = new Body() {
            private boolean sent;

            @Override
            public StreamContent next() throws IOException {
                if (sent) {
                    throw reset;
                }
                sent = true;
                return StreamContent.Data.of(start);
            }
        };
        IOException error = assertThrows(IOException.class, () -> parser.parseBody(failing, Multipart.CONTENT_TYPE,
                BodyPolicy.defaults(), resources));
        assertSame(reset, error);
    }

    @Test
    void policyDirectoryOverridesServerDirectory() throws Exception {
        Path routeDirectory = Files.createDirectory(root.resolve("route"));
        BodyPolicy policy = BodyPolicy.defaults().withTempDirectory(routeDirectory);
        byte[] body = new Multipart().file("f", "x.txt", "text/plain", "abc".getBytes(StandardCharsets.UTF_8)).build();
        FormData form = parser.parse(post(Multipart.CONTENT_TYPE, body, policy));
        assertTrue(((Input.OnDisk) form.first("f")).path().startsWith(routeDirectory));
        resources.close();
        try (Stream<Path> left = Files.list(routeDirectory)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void fieldWithoutFileNameHasNullFileName() throws Exception {
        byte[] body = new Multipart().field("a", "1").build();
        FormData form = parser.parse(post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults()));
        assertNull(form.first("a").fileName());
        assertTrue(!form.first("a").isFile());
    }

    @Test
    void emptyMultipartFormIsValidButABodyWithoutDelimiterIsNot() throws Exception {
        FormData empty = parser.parseBody(Body.of(new Multipart().build()), Multipart.CONTENT_TYPE,
                BodyPolicy.defaults(), resources);
        assertEquals(List.of(), empty.fields());
        FormException error = assertThrows(FormException.class, () -> parser.parseBody(Body.of("--other--\r\n"),
                Multipart.CONTENT_TYPE, BodyPolicy.defaults(), resources));
        assertEquals(400, error.status());
        assertEquals("malformed multipart body: no boundary delimiter found", error.getMessage());
    }

    @Test
    void delimiterAfterAPreambleWithDashesIsFound() throws Exception {
        byte[] form = new Multipart().field("a", "1").build();
        byte[] withPreamble = new byte[form.length + 7];
        System.arraycopy("---\r\n-\r\n".getBytes(StandardCharsets.US_ASCII), 0, withPreamble, 0, 7);
        System.arraycopy(form, 0, withPreamble, 7, form.length);
        FormData data = parser.parseBody(Body.of(withPreamble), Multipart.CONTENT_TYPE, BodyPolicy.defaults(), resources);
        assertEquals("1", ((Input.InMemory) data.first("a")).text());
    }

    @Test
    void aCompleteBodyIsReadToItsEndBeforeItIsClosed() throws Exception {
        // closing an unfinished request body may reset the peer's stream: a client that sent a
        // well-formed form (and a short epilogue) must see its stream end normally
        byte[] form = new Multipart().field("a", "1").build();
        java.util.Deque<byte[]> chunks = new java.util.ArrayDeque<>(List.of(form, "epilogue\r\n".getBytes(StandardCharsets.US_ASCII)));
        AtomicBoolean endReturned = new AtomicBoolean();
        AtomicBoolean closedBeforeEnd = new AtomicBoolean();
        Body body = new Body() {
            @Override
            public StreamContent next() {
                byte[] chunk = chunks.poll();
                if (chunk == null) {
                    endReturned.set(true);
                    return StreamContent.END;
                }
                return StreamContent.Data.of(chunk);
            }

            @Override
            public void close() {
                closedBeforeEnd.compareAndSet(false, !endReturned.get());
            }
        };
        FormData data = parser.parseBody(body, Multipart.CONTENT_TYPE, BodyPolicy.defaults(), resources);
        assertEquals("1", ((Input.InMemory) data.first("a")).text());
        assertTrue(endReturned.get(), "the body was read to its end");
        assertTrue(!closedBeforeEnd.get(), "closed only after its end");
    }
}
