package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each quota tripped: the right status, a message naming the quota and its value, no temp file left. */
@Timeout(60)
class QuotaTest {
    @TempDir
    Path root;

    private TempDirectory temp;
    private FormParser parser;
    private ExchangeResources resources;

    @BeforeEach
    void open() throws IOException {
        temp = TempDirectory.open(root.resolve("weft"));
        parser = FormParser.create(temp);
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

    private BodyQuotaException parseExpectingQuota(Body body, String contentType, BodyPolicy policy) {
        return assertThrows(BodyQuotaException.class, () -> parser.parseBody(body, contentType, policy, resources));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void diskQuotaIs413NamingItAndDeletesEveryFileOfTheRequest() throws Exception {
        byte[] body = new Multipart().file("first", "a.bin", "application/octet-stream", new byte[6_000])
                .file("second", "b.bin", "application/octet-stream", new byte[6_000]).build();
        BodyQuotaException error = parseExpectingQuota(Body.of(body), Multipart.CONTENT_TYPE,
                BodyPolicy.defaults().withMaxDisk(10_000));
        assertEquals(413, error.status());
        assertEquals(Quota.MAX_DISK, error.quota());
        assertEquals(10_000, error.limit());
        assertEquals("request body exceeds maxDisk (10000 bytes, set by --max-disk): file part \"second\" (b.bin)",
                error.getMessage());
        assertEquals(List.of(), tempFilesLeft(), "the first, complete file goes too");
    }

    @Test
    void ramQuotaIs413() throws Exception {
        byte[] body = new Multipart().field("a", "x".repeat(600)).field("b", "y".repeat(600)).build();
        BodyQuotaException error = parseExpectingQuota(Body.of(body), Multipart.CONTENT_TYPE,
                BodyPolicy.defaults().withMaxRam(1_000));
        assertEquals(413, error.status());
        assertEquals(Quota.MAX_RAM, error.quota());
        assertTrue(error.getMessage().startsWith("request body exceeds maxRam (1000 bytes, set by --max-ram)"),
                error.getMessage());
    }

    @Test
    void ramQuotaCoversUrlencodedBodies() {
        BodyQuotaException error = parseExpectingQuota(Body.of("a=" + "x".repeat(2_000)),
                "application/x-www-form-urlencoded", BodyPolicy.defaults().withMaxRam(1_000));
        assertEquals(Quota.MAX_RAM, error.quota());
        assertEquals(413, error.toResponse().status());
    }

    @Test
    void partsQuotaCoversQueryStrings() {
        Request request = Request.builder().target("/search?a=1&b=2&c=3&d=4")
                .bodyPolicy(BodyPolicy.defaults().withMaxParts(3)).resources(resources).build();
        BodyQuotaException error = assertThrows(BodyQuotaException.class, () -> parser.parse(request));
        assertEquals(Quota.MAX_PARTS, error.quota());
        assertEquals("request body exceeds maxParts (3 parts, set by --max-parts): query field #4", error.getMessage());
    }

    @Test
    void partHeaderQuotaIs431() throws Exception {
        byte[] body = new Multipart().part("Content-Disposition: form-data; name=\"a\"\r\nX-Padding: "
                + "p".repeat(2_000) + "\r\n", ascii("value")).build();
        BodyQuotaException error = parseExpectingQuota(Body.of(body), Multipart.CONTENT_TYPE,
                BodyPolicy.defaults().withMaxHeader(1_024));
        assertEquals(431, error.status());
        assertEquals(Quota.MAX_HEADER, error.quota());
        assertTrue(error.getMessage().contains("maxHeader (1024 bytes, set by --max-header)"), error.getMessage());
    }

    @Test
    void oneEnormousEndlessPartHeaderIsStoppedAt431() {
        // a header section that never ends: the parser must stop at maxHeader, not buffer on
        byte[] start = ascii("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"a\"\r\nX: ");
        byte[] endlessHeaderBytes = new byte[0];
        GeneratedBody endless = new GeneratedBody(start, 3, GeneratedBody.ENDLESS, endlessHeaderBytes, produced -> {
            if (produced > 100L << 20) {
                throw new AssertionError("read 100 MiB of one header section without stopping");
            }
        });
        BodyQuotaException error = parseExpectingQuota(endless, Multipart.CONTENT_TYPE, BodyPolicy.defaults());
        assertEquals(Quota.MAX_HEADER, error.quota());
        assertTrue(endless.produced() < 1 << 20, "stopped after " + endless.produced() + " bytes");
    }

    @Test
    void millionTinyPartsAreStoppedAtMaxParts() throws Exception {
        // a million parts as a lazily generated stream: the parser must stop at part 1001
        byte[] onePart = ascii("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nx\r\n");
        long[] partsSent = {0};
        Body parts = new Body() {
            @Override
            public dev.weft.api.StreamContent next() {
                if (partsSent[0] >= 1_000_000) {
                    return new dev.weft.api.StreamContent.Data(java.nio.ByteBuffer.wrap(ascii("--" + Multipart.BOUNDARY + "--\r\n")));
                }
                ByteArrayOutputStream chunk = new ByteArrayOutputStream();
                for (int i = 0; i < 100; i++) {
                    chunk.writeBytes(onePart);
                }
                partsSent[0] += 100;
                return dev.weft.api.StreamContent.Data.of(chunk.toByteArray());
            }
        };
        BodyQuotaException error = parseExpectingQuota(parts, Multipart.CONTENT_TYPE, BodyPolicy.defaults());
        assertEquals(Quota.MAX_PARTS, error.quota());
        assertEquals("request body exceeds maxParts (1000 parts, set by --max-parts): part #1001", error.getMessage());
        assertTrue(partsSent[0] <= 1_200, "read " + partsSent[0] + " parts");
    }

    @Test
    void namelessPartsThatTheLibrarySkipsStillCount() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            body.append("--").append(Multipart.BOUNDARY).append("\r\nContent-Type: text/plain\r\n\r\nskipped\r\n");
        }
        body.append("--").append(Multipart.BOUNDARY).append("--\r\n");
        BodyQuotaException error = parseExpectingQuota(Body.of(body.toString()), Multipart.CONTENT_TYPE,
                BodyPolicy.defaults().withMaxParts(10));
        assertEquals(Quota.MAX_PARTS, error.quota());
    }

    @Test
    void filePartThatNeverEndsIsStoppedAtMaxDiskAndLeavesNoFile() throws Exception {
        byte[] start = ascii("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"inf\"\r\n\r\n");
        GeneratedBody endless = new GeneratedBody(start, 5, GeneratedBody.ENDLESS, new byte[0], produced -> { });
        BodyQuotaException error = parseExpectingQuota(endless, Multipart.CONTENT_TYPE,
                BodyPolicy.defaults().withMaxDisk(8L << 20));
        assertEquals(Quota.MAX_DISK, error.quota());
        assertTrue(endless.produced() < (8L << 20) + (1 << 20), "read " + endless.produced());
        assertEquals(List.of(), tempFilesLeft());
    }

    @Test
    void fieldThatNeverEndsIsStoppedAtMaxRam() {
        byte[] start = ascii("--" + Multipart.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n");
        GeneratedBody endless = new GeneratedBody(start, 6, GeneratedBody.ENDLESS, new byte[0], produced -> { });
        BodyQuotaException error = parseExpectingQuota(endless, Multipart.CONTENT_TYPE, BodyPolicy.defaults());
        assertEquals(Quota.MAX_RAM, error.quota());
        assertTrue(endless.produced() < BodyPolicy.DEFAULT_MAX_RAM + (1 << 20), "read " + endless.produced());
    }

    @Test
    void endlessPreambleIsStoppedByTheRawBodyCap() {
        BodyPolicy small = new BodyPolicy(null, 1_000, 10_000, 1_000, 10, BodyPolicy.StorageStrategy.FILES_TO_DISK);
        GeneratedBody endless = new GeneratedBody(new byte[0], 7, GeneratedBody.ENDLESS, new byte[0], produced -> { });
        BodyQuotaException error = parseExpectingQuota(endless, Multipart.CONTENT_TYPE, small);
        assertEquals(Quota.MAX_BODY, error.quota());
        assertEquals(413, error.status());
        assertEquals(MultipartReader.maxBodyBytes(small), error.limit());
        assertTrue(endless.produced() < error.limit() + (1 << 20));
    }

    @Test
    void quotaErrorAnswersPlainTextNamingTheQuota() throws Exception {
        BodyQuotaException error = new BodyQuotaException(Quota.MAX_HEADER, 16_384, "a part's header section");
        var response = error.toResponse();
        assertEquals(431, response.status());
        assertEquals("text/plain; charset=utf-8", response.headers().get("content-type"));
        var bytes = ((dev.weft.api.Content.Bytes) response.content()).buffer();
        String text = StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
        assertTrue(text.contains("maxHeader (16384 bytes"), text);
    }

    @Test
    void requestQuotaIsPerRouteViaHandlersWithBodyPolicy() throws Exception {
        byte[] body = new Multipart().file("f", "a.bin", "application/octet-stream", new byte[5_000]).build();
        dev.weft.api.Handler strict = dev.weft.api.Handlers.withBodyPolicy(BodyPolicy.defaults().withMaxDisk(1_000),
                request -> {
                    try {
                        parser.parse(request);
                        return dev.weft.api.Response.ok("accepted");
                    } catch (FormException e) {
                        return e.toResponse();
                    }
                });
        Request request = Request.builder().method("POST").path("/admin")
                .headers(Headers.of("content-type", Multipart.CONTENT_TYPE)).body(Body.of(body)).resources(resources).build();
        assertEquals(413, strict.handle(request).status());
        assertEquals(List.of(), tempFilesLeft());
    }

    /** A body that declares a length (as a content-length header would) and must not be read. */
    private static Body declaring(long length, boolean[] read) {
        return new Body() {
            @Override
            public dev.weft.api.StreamContent next() {
                read[0] = true;
                return dev.weft.api.StreamContent.END;
            }

            @Override
            public java.util.OptionalLong contentLength() {
                return java.util.OptionalLong.of(length);
            }
        };
    }

    @Test
    void declaredLengthOverTheQuotaIsRejectedBeforeReading() throws Exception {
        BodyPolicy small = new BodyPolicy(null, 1_000, 10_000, 1_000, 10, BodyPolicy.StorageStrategy.FILES_TO_DISK);
        boolean[] read = {false};
        BodyQuotaException multipart = parseExpectingQuota(declaring(1L << 40, read), Multipart.CONTENT_TYPE, small);
        assertEquals(Quota.MAX_BODY, multipart.quota());
        assertEquals("request body exceeds maxBody (" + MultipartReader.maxBodyBytes(small)
                + " bytes, set by --max-ram + --max-disk): declared content-length 1099511627776", multipart.getMessage());
        BodyQuotaException urlencoded = parseExpectingQuota(declaring(1_001, read), "application/x-www-form-urlencoded", small);
        assertEquals(Quota.MAX_RAM, urlencoded.quota());
        assertTrue(!read[0], "the body was never read");
        assertEquals(List.of(), tempFilesLeft());
    }
}
