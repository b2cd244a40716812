package dev.weft.server.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.weft.api.BasicRequest;
import dev.weft.api.Content;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.body.TempDirectory;
import dev.weft.spi.OpenFileCache;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /files/...} serves what is under the root and nothing a symbolic link leads to,
 * whether the link is the file itself or a folder on the way, and whether the root is real or
 * is itself reached through a link (the case where the per-request real-path check must run).
 */
class DemoFilesTest {
    @TempDir
    Path dir;
    private final OpenFileCache files = OpenFileCache.create();

    /** @return the status, or the served file's text for a 200 */
    private static String get(Router router, String path) throws Exception {
        Response response = router.handle(BasicRequest.builder().method("GET").target(path).build());
        if (response.status() == 200) {
            return Files.readString(assertInstanceOf(Content.FileRegion.class, response.content()).path());
        }
        return Integer.toString(response.status());
    }

    private Router routes(Path root) throws Exception {
        return DemoRoutes.create(root, TempDirectory.open(dir.resolve("tmp")));
    }

    @Test
    void servesFilesUnderTheRootAndRefusesLinksOut() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.writeString(root.resolve("a.txt"), "a");
        Files.writeString(Files.createDirectories(root.resolve("sub")).resolve("b.txt"), "b");
        Files.createSymbolicLink(root.resolve("link.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        Router cached = DemoRoutes.create(root, TempDirectory.open(dir.resolve("tmp2")), files);
        for (Router router : new Router[] {routes(root), routes(Files.createSymbolicLink(dir.resolve("via"), root)), cached}) {
            assertEquals("a", get(router, "/files/a.txt"));
            assertEquals("b", get(router, "/files/sub/b.txt"));
            assertEquals("404", get(router, "/files/link.txt"));
            assertEquals("404", get(router, "/files/out/secret.txt"));
            assertEquals("404", get(router, "/files/../outside/secret.txt"));
            assertEquals("404", get(router, "/files/missing.txt"));
        }
    }

    @AfterEach
    void closeCache() {
        files.close();
    }
}
