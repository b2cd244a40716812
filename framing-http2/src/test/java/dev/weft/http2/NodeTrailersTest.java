package dev.weft.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** Node's built-in http2 client: trailers on a request (echoed back) and on a response. */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(60)
class NodeTrailersTest {
    @Parameter
    String transport;
    @TempDir
    Path root;

    @Test
    void requestAndResponseTrailersCrossBothWays() throws Exception {
        String node = ExternalTool.require("node", "nodejs");
        Path script = Path.of(NodeTrailersTest.class.getResource("/node-trailers.js").toURI());
        try (TestServer server = new TestServer(transport, root)) {
            ProcessRunner.Result result = ProcessRunner.run(Duration.ofSeconds(30), node, script.toString(),
                    "http://127.0.0.1:" + server.port());
            String out = result.output().strip();
            assertEquals(0, result.exitCode(), out);
            assertTrue(out.contains("\"echo\":{\"status\":200,\"body\":\"ping with trailers\","
                    + "\"trailers\":{\"x-request-trailer\":\"sent-by-node\"}}"), out);
            assertTrue(out.contains("\"download\":{\"status\":200,\"body\":\"with trailers\\n\","
                    + "\"trailers\":{\"x-checksum\":\"abc123\"}}"), out);
        }
    }
}
