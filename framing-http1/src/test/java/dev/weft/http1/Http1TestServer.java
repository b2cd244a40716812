package dev.weft.http1;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.api.StreamContent;
import dev.weft.http2.Http2Protocol;
import dev.weft.spi.Protocol;
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

/**
 * Demo-like routes served over {@code http/1.1} (with h2 bound for {@code Upgrade: h2c}) on a
 * free loopback port, on the transport a suite names.
 */
final class Http1TestServer implements AutoCloseable {
    /** Released at close: what a handler that never answers waits for. */
    private final CountDownLatch closed = new CountDownLatch(1);
    final TransportServer server;
    final Router router = new Router();
    /** Counted down when a handler of {@code /hang} is interrupted. */
    final CountDownLatch hangInterrupted = new CountDownLatch(1);
    /** Counted down when a handler of {@code /hang} has started. */
    final CountDownLatch hangStarted = new CountDownLatch(1);

    Http1TestServer(String transport, Path root, Duration idleTimeout) throws IOException {
        this(transport, root, idleTimeout, true);
    }

    /** @param upgrades whether h2 is bound for {@code Upgrade: h2c} */
    Http1TestServer(String transport, Path root, Duration idleTimeout, boolean upgrades) throws IOException {
        this(transport, root, idleTimeout, upgrades, dev.weft.spi.MinDataRate.DEFAULTS);
    }

    /** @param rate the minimum data rates enforced */
    Http1TestServer(String transport, Path root, Duration idleTimeout, boolean upgrades, dev.weft.spi.MinDataRate rate)
            throws IOException {
        this(transport, root, idleTimeout, upgrades, rate, dev.weft.spi.ExchangeObserver.NONE);
    }

    /** @param observer told about every exchange and defence */
    Http1TestServer(String transport, Path root, Duration idleTimeout, boolean upgrades, dev.weft.spi.MinDataRate rate,
                    dev.weft.spi.ExchangeObserver observer) throws IOException {
        router.get("/hello", request -> Response.ok("Hello, world!"))
                .get("/files/{path...}", request -> {
                    Path file = root.resolve(request.pathParameters().get("path")).normalize();
                    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                        return Response.text(404, "no such file\n");
                    }
                    return Response.file(file, "application/octet-stream");
                })
                .get("/protocol", request -> Response.ok(request.protocol() + " " + request.authority() + " "
                        + request.path() + " " + request.query()))
                .get("/path/{n}", request -> Response.ok(request.pathParameters().get("n")))
                .post("/sink", request -> {
                    try (InputStream in = request.takeBody().asInputStream()) {
                        return Response.ok(Long.toString(in.transferTo(OutputStream.nullOutputStream())));
                    }
                })
                .post("/sha256", request -> {
                    Body body = request.takeBody();
                    String digest = sha256(body);
                    return Response.ok(digest + " " + body.trailers().get("x-checksum"));
                })
                .post("/echo", request -> Response.streamed(200, Headers.of("content-type", "application/octet-stream"),
                        request.takeBody()))
                .get("/trailers", request -> Response.streamed(200, Headers.of("content-type", "text/plain"),
                        Body.withTrailers(Body.of("with trailers\n"), Headers.of("x-checksum", "abc123"))))
                .get("/hang", request -> {
                    hangStarted.countDown();
                    try {
                        closed.await(); // never answers: only an interrupt (the stream's end) or close() ends it
                        return Response.ok("woke up");
                    } catch (InterruptedException e) {
                        hangInterrupted.countDown();
                        throw e;
                    }
                })
                .get("/boom", request -> {
                    throw new IllegalStateException("handler failure for a test");
                });
        Http2Protocol h2 = Http2Protocol.withDefaults();
        Protocol http1 = upgrades ? new Http1Protocol(name -> name.equals("h2") ? h2 : null) : Http1Protocol.withoutUpgrade();
        ProtocolContext context = ProtocolContext.of(router).withMinDataRate(rate).withObserver(observer);
        server = transport(transport).start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withIdleTimeout(idleTimeout), connection -> http1.open(connection, context));
    }

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

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    @Override
    public void close() {
        server.close();
        closed.countDown(); // frees a /hang handler the close did not interrupt, so no thread outlives the test
    }
}
