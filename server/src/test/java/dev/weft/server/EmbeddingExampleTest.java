package dev.weft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import example.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's embedding example is this test source, to the letter, and it runs: the example
 * cannot rot without this test failing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddingExampleTest {

    @Test
    void readmeShowsTheExampleExactly() throws Exception {
        Path module = Path.of("").toAbsolutePath();
        String readme = Files.readString(module.resolveSibling("README.md"));
        String source = Files.readString(module.resolve("src/test/java/example/EmbeddedServer.java"));
        String marker = "```java\n";
        int start = readme.indexOf(marker + "package example;");
        assertTrue(start >= 0, "README.md should show src/test/java/example/EmbeddedServer.java in a ```java block");
        int end = readme.indexOf("```", start + marker.length());
        assertEquals(source.strip(), readme.substring(start + marker.length(), end).strip());
    }

    @Test
    void exampleServesItsOwnHandlerOverHttp2() throws Exception {
        OkHttpClient client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
        try (WeftServer server = EmbeddedServer.start(0)) {
            assertEquals("nio", server.transportName());
            assertEquals(List.of("h2"), server.protocolNames());
            try (Response response = client.newCall(new Request.Builder()
                    .url("http://127.0.0.1:" + server.port() + "/greet/reader").build()).execute()) {
                assertEquals(200, response.code());
                assertEquals(Protocol.H2_PRIOR_KNOWLEDGE, response.protocol());
                assertEquals("Hello, reader!\n", response.body().string());
            }
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }
}
