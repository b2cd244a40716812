package dev.weft.http2;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.api.StreamContent;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.transport.epoll.EpollTransport;
import dev.weft.transport.nio.NioTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The demo routes of ARCHITECTURE.md (plus a few for tests) served over h2 on a free loopback
 * port, on the transport a suite names ({@code nio} or {@code epoll}: the suites run on both).
 */
final class TestServer implements AutoCloseable {
    final Path root;
    final TransportServer server;
    final Router router = new Router();
    /** Counted down by each request to {@code /wait/...} as it arrives. */
    volatile CountDownLatch arrivals = new CountDownLatch(0);
    /** Opened by tests to release the requests waiting in {@code /wait/...}. */
    volatile CountDownLatch release = new CountDownLatch(0);
    /** How often the source of {@code /counted} was pulled. */
    final java.util.concurrent.atomic.AtomicInteger pulls = new java.util.concurrent.atomic.AtomicInteger();
    /** What the /split-header handler got from the API when it set a value with CR LF. */
    final java.util.concurrent.atomic.AtomicReference<IllegalArgumentException> splitHeaderRefusal =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** Counted down when a handler of {@code /hang} has started. */
    final CountDownLatch hangStarted = new CountDownLatch(1);
    /** Counted down when a handler of {@code /hang} is interrupted. */
    final CountDownLatch hangInterrupted = new CountDownLatch(1);
    /** Counted down when the exchange resources of {@code /hang} are closed. */
    final CountDownLatch hangResourcesClosed = new CountDownLatch(1);

    TestServer(String transport, Path root) throws IOException {
        this(transport, root, Http2Settings.defaults());
    }

    TestServer(String transport, Path root, Http2Settings settings) throws IOException {
        this(transport, root, settings, TransportConfig.DEFAULT_IDLE_TIMEOUT);
    }

    TestServer(String transport, Path root, Http2Settings settings, Duration idleTimeout) throws IOException {
        this.root = root;
        router.get("/hello", request -> Response.ok("Hello, world!"))
                .get("/files/{path...}", request -> {
                    Path file = root.resolve(request.pathParameters().get("path")).normalize();
                    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                        return Response.text(404, "no such file\n");
                    }
                    return Response.file(file, "application/octet-stream");
                })
                .post("/sink", request -> {
                    try (InputStream in = request.takeBody().asInputStream()) {
                        return Response.ok(Long.toString(in.transferTo(OutputStream.nullOutputStream())));
                    }
                })
                .post("/sha256", request -> Response.ok(sha256(request.takeBody())))
                .post("/echo", request -> Response.streamed(200, Headers.of("content-type", "application/octet-stream"),
                        request.takeBody()))
                .get("/trailers", request -> Response.streamed(200, Headers.of("content-type", "text/plain"),
                        Body.withTrailers(Body.of("with trailers\n"), Headers.of("x-checksum", "abc123"))))
                .get("/wait/{n}", request -> {
                    arrivals.countDown();
                    if (!release.await(20, TimeUnit.SECONDS)) {
                        return Response.text(503, "not released\n");
                    }
                    return Response.ok(request.pathParameters().get("n"));
                })
                .get("/hang", request -> {
                    request.resources().register(hangResourcesClosed::countDown);
                    hangStarted.countDown();
                    try {
                        Thread.sleep(Duration.ofMinutes(5));
                        return Response.ok("woke up");
                    } catch (InterruptedException e) {
                        hangInterrupted.countDown();
                        throw e;
                    }
                })
                .get("/vanished", request -> new Response(200, Headers.empty(),
                        new dev.weft.api.Content.FileRegion(root.resolve("no-such-file"), 0, 10, dev.weft.api.ProgressListener.NONE)))
                .get("/counted", request -> Response.streamed(200, Headers.empty(), new Body() {
                    @Override
                    public StreamContent next() {
                        return pulls.incrementAndGet() > 1000 ? StreamContent.END : StreamContent.Data.of(new byte[1024]);
                    }
                }))
                .get("/breaks-midway", request -> Response.streamed(200, Headers.empty(), new Body() {
                    private boolean first = true;

                    @Override
                    public StreamContent next() throws IOException {
                        if (first) {
                            first = false;
                            return StreamContent.Data.of(new byte[] {'o', 'k'});
                        }
                        throw new IOException("source failed for a test");
                    }
                }))
                .get("/odd-headers", request -> Response.ok("odd").withHeader("connection", "close")
                        .withHeader("x-good", "yes"))
                .get("/split-header", request -> {
                    try {
                        return Response.ok("split").withHeader("x-split", "a\r\nb");
                    } catch (IllegalArgumentException e) {
                        splitHeaderRefusal.set(e);
                        throw e;
                    }
                })
                .get("/boom", request -> {
                    throw new IllegalStateException("handler failure for a test");
                });
        Http2Protocol protocol = new Http2Protocol(settings);
        server = transport(transport).start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                        .withIdleTimeout(idleTimeout),
                connection -> protocol.open(connection, ProtocolContext.of(router)));
    }

    /** The transport named {@code name}; an unavailable one fails its {@code start} with the reason. */
    static Transport transport(String name) {
        return switch (name) {
            case "nio" -> new NioTransport();
            case "epoll" -> new EpollTransport();
            default -> throw new IllegalArgumentException("no transport named " + name);
        };
    }

    int port() {
        return server.localAddress().getPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    static String sha256(Body body) throws IOException {
        MessageDigest digest = sha256();
        while (true) {
            StreamContent next = body.next();
            if (next instanceof StreamContent.Data data) {
                digest.update(data.bytes());
            } else if (next instanceof StreamContent.End) {
                return HexFormat.of().formatHex(digest.digest());
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Writes {@code size} pseudo-random bytes (fixed seed) to {@code file}. */
    static Path randomFile(Path file, long size) throws IOException {
        java.util.Random random = new java.util.Random(size);
        byte[] chunk = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        return file;
    }

    @Override
    public void close() {
        server.close();
    }
}
