package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.Content;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class UploadSummaryHandlerTest {
    @TempDir
    Path root;

    private TempDirectory temp;
    private UploadSummaryHandler handler;
    private ExchangeResources resources;

    @BeforeEach
    void open() throws IOException {
        temp = TempDirectory.open(root.resolve("weft"));
        handler = new UploadSummaryHandler(temp);
        resources = new ExchangeResources();
    }

    @AfterEach
    void close() {
        resources.close();
        temp.close();
    }

    private Response post(String contentType, byte[] body, BodyPolicy policy) throws IOException {
        return handler.handle(Request.builder().method("POST").target("/upload?ignored=1")
                .headers(Headers.of("content-type", contentType)).body(Body.of(body)).bodyPolicy(policy)
                .resources(resources).build());
    }

    private static String text(Response response) {
        return StandardCharsets.UTF_8.decode(((Content.Bytes) response.content()).buffer().duplicate()).toString();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private long tempFilesLeft() throws IOException {
        try (Stream<Path> files = Files.list(temp.runDirectory())) {
            return files.filter(path -> !path.getFileName().toString().equals(".lock")).count();
        }
    }

    @Test
    void summarisesFieldsAndFilesAsJson() throws Exception {
        byte[] doc = "hello, file".getBytes(StandardCharsets.UTF_8);
        byte[] empty = new byte[0];
        byte[] body = new Multipart().field("title", "say \"hi\"\n").file("doc", "we\"ird\\name.txt", "text/plain", doc)
                .file("none", "empty.bin", "application/octet-stream", empty).field("n", "2").build();

        Response response = post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults());

        assertEquals(200, response.status());
        assertEquals("application/json", response.headers().get("content-type"));
        assertEquals("{\"fields\":[{\"name\":\"title\",\"value\":\"say \\\"hi\\\"\\n\"},{\"name\":\"n\",\"value\":\"2\"}],"
                + "\"files\":[{\"field\":\"doc\",\"name\":\"we\\\"ird\\\\name.txt\",\"size\":11,\"contentType\":\"text/plain\","
                + "\"sha256\":\"" + sha256(doc) + "\"},"
                + "{\"field\":\"none\",\"name\":\"empty.bin\",\"size\":0,\"contentType\":\"application/octet-stream\","
                + "\"sha256\":\"" + sha256(empty) + "\"}]}\n", text(response));
        assertEquals(0, tempFilesLeft(), "the handler deletes its temp files before answering");
    }

    @Test
    void summarisesUrlencodedForms() throws Exception {
        Response response = post("application/x-www-form-urlencoded", "a=1&b=%E2%9C%93".getBytes(StandardCharsets.US_ASCII),
                BodyPolicy.defaults());
        assertEquals(200, response.status());
        assertEquals("{\"fields\":[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\",\"value\":\"✓\"}],\"files\":[]}\n",
                text(response));
    }

    @Test
    void filesKeptInMemoryByTheStrategyAreStillSummarisedAsFiles() throws Exception {
        byte[] doc = "in memory".getBytes(StandardCharsets.UTF_8);
        Response response = post(Multipart.CONTENT_TYPE, new Multipart().file("f", "m.txt", "text/plain", doc).build(),
                BodyPolicy.defaults().withStorage((field, fileName, type) -> BodyPolicy.Storage.RAM));
        assertTrue(text(response).contains("\"sha256\":\"" + sha256(doc) + "\""), text(response));
    }

    @Test
    void diskQuotaAnswers413PlainTextNamingTheQuota() throws Exception {
        byte[] body = new Multipart().file("f", "big.bin", "application/octet-stream", new byte[50_000]).build();
        Response response = post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults().withMaxDisk(10_000));
        assertEquals(413, response.status());
        assertEquals("text/plain; charset=utf-8", response.headers().get("content-type"));
        assertEquals("request body exceeds maxDisk (10000 bytes, set by --max-disk): file part \"f\" (big.bin)\n",
                text(response));
        assertEquals(0, tempFilesLeft());
    }

    @Test
    void partHeaderQuotaAnswers431() throws Exception {
        byte[] body = new Multipart().part("Content-Disposition: form-data; name=\"a\"\r\nX-Long: " + "z".repeat(500) + "\r\n",
                "v".getBytes(StandardCharsets.US_ASCII)).build();
        Response response = post(Multipart.CONTENT_TYPE, body, BodyPolicy.defaults().withMaxHeader(256));
        assertEquals(431, response.status());
        assertTrue(text(response).contains("maxHeader (256 bytes, set by --max-header)"), text(response));
    }

    @Test
    void partsQuotaAnswers413() throws Exception {
        Multipart many = new Multipart();
        for (int i = 0; i < 6; i++) {
            many.field("f" + i, "v");
        }
        Response response = post(Multipart.CONTENT_TYPE, many.build(), BodyPolicy.defaults().withMaxParts(5));
        assertEquals(413, response.status());
        assertTrue(text(response).contains("maxParts (5 parts, set by --max-parts)"), text(response));
    }

    @Test
    void otherMethodsGet405WithAllow() throws Exception {
        Response response = handler.handle(Request.builder().method("GET").path("/upload").resources(resources).build());
        assertEquals(405, response.status());
        assertEquals("POST", response.headers().get("allow"));
    }

    @Test
    void missingOrOtherContentTypeGets415() throws Exception {
        Response missing = handler.handle(Request.builder().method("POST").path("/upload").body(Body.of("x"))
                .resources(resources).build());
        assertEquals(415, missing.status());
        assertEquals(415, post("text/plain", "x".getBytes(StandardCharsets.US_ASCII), BodyPolicy.defaults()).status());
    }

    @Test
    void malformedMultipartGets400() throws Exception {
        Response response = post(Multipart.CONTENT_TYPE, "not multipart at all".getBytes(StandardCharsets.US_ASCII),
                BodyPolicy.defaults());
        assertEquals(400, response.status());
        assertTrue(text(response).startsWith("malformed multipart body"), text(response));
    }

    @Test
    void bodyFailureIsNotAnsweredButPropagates() throws IOException {
        Body failing = new Body() {
            @Override
            public dev.weft.api.StreamContent next() throws IOException {
                throw new java.io.InterruptedIOException("stream reset");
            }
        };
        Request request = Request.builder().method("POST").path("/upload")
                .headers(Headers.of("content-type", Multipart.CONTENT_TYPE)).body(failing).resources(resources).build();
        IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> handler.handle(request));
        assertEquals("stream reset", error.getMessage());
        assertEquals(0, tempFilesLeft());
    }
}
