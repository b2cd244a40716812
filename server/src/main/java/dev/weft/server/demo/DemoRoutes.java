package dev.weft.server.demo;

import dev.weft.api.Body;
import dev.weft.api.Content;
import dev.weft.api.Headers;
import dev.weft.api.ProgressListener;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.api.StreamContent;
import dev.weft.body.TempDirectory;
import dev.weft.body.UploadSummaryHandler;
import dev.weft.spi.OpenFiles;
import dev.weft.spi.ProtocolContext;
import dev.weft.wireproto.WireprotoEcho;
import dev.weft.wireproto.WireprotoOverHttpHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The demo routes of {@code weft serve}: what the README, the benchmarks and the peer
 * comparisons call. Their answers are public contract: keep them stable.
 *
 * <p>Threading: the handlers are stateless and run on the request's virtual thread.
 */
public final class DemoRoutes {
    private static final byte[] HELLO = "Hello, world!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final Headers TEXT = Headers.of("content-type", "text/plain");
    private static final Map<String, String> CONTENT_TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("css", "text/css"),
            Map.entry("js", "text/javascript"),
            Map.entry("json", "application/json"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("pdf", "application/pdf"));

    private DemoRoutes() {
    }

    /**
     * @param root the folder {@code GET /files/...} serves
     * @param tempDirectory where {@code POST /upload} saves file parts
     * @return the demo router
     */
    public static Router create(Path root, TempDirectory tempDirectory) {
        return create(root, tempDirectory, OpenFiles.UNCACHED);
    }

    /**
     * @param root the folder {@code GET /files/...} serves
     * @param tempDirectory where {@code POST /upload} saves file parts
     * @param files where {@code GET /files/...} looks files up: give the server's
     *     {@link dev.weft.spi.OpenFileCache} ({@code Weft.Builder.openFiles}) so that a file served
     *     again costs no system call to find, size and open
     * @return the demo router
     */
    public static Router create(Path root, TempDirectory tempDirectory, OpenFiles files) {
        Path base = root.toAbsolutePath().normalize();
        boolean baseIsReal = isRealPath(base);
        Router router = new Router();
        router.get("/", request -> Response.text(200, INDEX));
        router.get("/hello", request -> new Response(200, TEXT, Content.bytes(HELLO)));
        router.get("/files/{path...}", request -> file(files, base, baseIsReal, request.pathParameters().get("path")));
        router.post("/sink", DemoRoutes::sink);
        // One handler serves HTTP/2's POST /echo and wireproto's echo command (ARCHITECTURE.md).
        router.post("/echo", new WireprotoEcho());
        router.post("/upload", new UploadSummaryHandler(tempDirectory));
        router.post("/wireproto", new WireprotoOverHttpHandler(ProtocolContext.of(router)));
        return router;
    }

    /** @return whether {@code path} exists and no component of it is a symbolic link */
    private static boolean isRealPath(Path path) {
        try {
            return path.toRealPath().equals(path);
        } catch (IOException e) {
            return false; // a root that is missing now is checked per request
        }
    }

    private static Response file(OpenFiles files, Path base, boolean baseIsReal, String relative) throws IOException {
        Path target = base.resolve(relative).normalize();
        // Refuse anything that escapes the root, including through a symbolic link. The size
        // comes from the cache (no statx for a file served within its window).
        OptionalLong size = relative.isEmpty() || !target.startsWith(base) ? OptionalLong.empty() : files.regularFileSize(target);
        if (size.isEmpty()) {
            return Response.text(404, "no file /files/" + relative + "\n");
        }
        // A file straight under a root without links, itself checked not to be a link above,
        // cannot lead elsewhere: that skips a readlink per path component, 9 system calls of the
        // 16 a 64 KiB file cost (docs/PERFORMANCE.md).
        boolean direct = baseIsReal && base.equals(target.getParent());
        if (!direct && !target.toRealPath().startsWith(base.toRealPath())) {
            return Response.text(404, "no file /files/" + relative + "\n");
        }
        return new Response(200, Headers.of("content-type", contentType(target)),
                new Content.FileRegion(target, 0, size.getAsLong(), ProgressListener.NONE));
    }

    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
    }

    /** Reads and discards the body; answers its length in decimal. */
    private static Response sink(Request request) throws IOException {
        long total = 0;
        try (Body body = request.takeBody()) {
            while (body.next() instanceof StreamContent.Data data) {
                total += data.bytes().remaining();
            }
        }
        return new Response(200, TEXT, Content.text(Long.toString(total)));
    }

    private static final String INDEX = """
            Weft demo server. Routes (HTTP/1.1, HTTP/2 with prior knowledge or Upgrade: h2c):
              GET  /               this page
              GET  /hello          Hello, world!
              GET  /files/<path>   static files under --root (zero-copy where the transport can)
              POST /sink           reads and discards the body; answers its byte count
              POST /echo           streams the request body back (empty body: the msg header)
              POST /upload         parses a multipart or urlencoded form; answers a JSON summary
              POST /wireproto      wireproto frames over HTTP/2 (application/mercurial-exp-framing-0001)
            Wireproto (--protocol wireproto or auto, or weft wireproto --stdio): command echo.

            Try: curl http://127.0.0.1:8080/hello
                 curl --http2-prior-knowledge http://127.0.0.1:8080/hello
            """;
}
