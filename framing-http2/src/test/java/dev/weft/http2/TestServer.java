package dev.weft.http2;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.api.StreamContent;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.testing.TrustingTls;
import dev.weft.transport.epoll.EpollTransport;
import dev.weft.tls.TlsConfig;
import dev.weft.tls.TlsLayer;
import dev.weft.transport.nio.NioTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The demo routes of ARCHITECTURE.md (plus a few for tests) served over h2 on a free loopback
 * port, on the transport a suite names ({@code nio} or {@code epoll}: the suites run on both),
 * optionally through the TLS layer ({@code nio+tls}, {@code epoll+tls}: ALPN {@code h2}, a
 * self-signed certificate); {@link #client()} and {@link #socket()} connect the same way.
 */
final class TestServer implements AutoCloseable {
    /** Released at close: what a handler that never answers waits for. */
    private final CountDownLatch closed = new CountDownLatch(1);
    final Path root;
    final TransportServer server;
    /** Whether the server listens through the TLS layer. */
    final boolean tls;
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
        this.tls = transport.endsWith("+tls");
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
                        closed.await(); // never answers: only an interrupt (the stream's end) or close() ends it
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
        ConnectionInitializer h2 = connection -> protocol.open(connection, ProtocolContext.of(router));
        server = transport(transport.replace("+tls", "")).start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(1).withIdleTimeout(idleTimeout),
                tls ? new TlsLayer(Tls.SERVER, List.of("h2"), TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT)
                        .wrap((secured, alpn) -> h2.initialize(secured)) : h2);
    }

    /** @return a raw frame client connected the way this server listens (TLS with ALPN h2, or cleartext) */
    RawFrameClient client() throws IOException {
        return new RawFrameClient(socket());
    }

    /** @return a socket connected to this server, its TLS handshake (if any) done; 5 s read timeout */
    Socket socket() throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
        plain.setSoTimeout(5_000);
        if (!tls) {
            return plain;
        }
        SSLSocket secured = (SSLSocket) Tls.CLIENT.getSocketFactory().createSocket(plain, "localhost", port(), true);
        SSLParameters parameters = secured.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        secured.setSSLParameters(parameters);
        secured.startHandshake();
        if (!"h2".equals(secured.getApplicationProtocol())) {
            throw new IOException("ALPN agreed on '" + secured.getApplicationProtocol() + "', not h2");
        }
        return secured;
    }

    /** The TLS suites' credentials, made once per test JVM (keytool takes a second or two). */
    private static final class Tls {
        static final TlsConfig SERVER = TlsConfig.selfSigned();
        static final SSLContext CLIENT = TrustingTls.context();
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
        return (tls ? "https" : "http") + "://127.0.0.1:" + port() + path;
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
        closed.countDown(); // frees a /hang handler the close did not interrupt, so no thread outlives the test
    }
}
