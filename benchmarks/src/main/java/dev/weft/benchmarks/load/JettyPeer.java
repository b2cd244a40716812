package dev.weft.benchmarks.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty 12.1 comparison peer of the end-to-end benchmark, shaped like {@link NettyPeer}:
 * {@code GET /hello}, {@code GET /files/<name>} (read from disk per request through
 * {@code Content.Source.from(Path)}), {@code POST /sink} (answers the byte count), else 404, on
 * cleartext HTTP/2 with prior knowledge, with Weft's default windows and stream limit (1 MiB per
 * stream, 4 MiB per connection, 128 streams). Jetty's core handler API, no servlets: its fastest
 * configuration.
 *
 * <p>With {@code --protocol http1} it serves HTTP/1.1 only (keep-alive, for {@code benchmarks/http1.sh});
 * with {@code --tls-cert PEM --tls-key PEM} it serves TLS through the JDK's SSLEngine and picks
 * {@code h2} (else {@code http/1.1}) by ALPN, as Weft does (for {@code benchmarks/e2e-tls.sh}). The key
 * must be unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}, what {@code openssl req -nodes} writes).
 *
 * <p>Lives in the benchmarks module only; never shipped.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.weft.benchmarks.load.JettyPeer [--host H]
 * [--port P] [--root DIR] [--threads N] [--protocol h2c|http1] [--tls-cert PEM --tls-key PEM]}.
 */
public final class JettyPeer {
    private static final byte[] HELLO = "Hello, world!".getBytes(StandardCharsets.US_ASCII);

    private JettyPeer() {
    }

    /**
     * @param args see the class comment
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        Args flags = new Args(args);
        String host = flags.get("host", "127.0.0.1");
        int port = Integer.parseInt(flags.get("port", "8080"));
        Path root = Path.of(flags.get("root", "demo")).toAbsolutePath().normalize();
        QueuedThreadPool threads = new QueuedThreadPool(Integer.parseInt(flags.get("threads", "16")), 4);
        threads.setName("jetty-peer");
        Server server = new Server(threads);
        String cert = flags.get("tls-cert", "");
        String key = flags.get("tls-key", "");
        ConnectionFactory[] factories;
        String mode;
        if (!cert.isEmpty() && !key.isEmpty()) {
            HttpConfiguration config = new HttpConfiguration();
            config.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
            HTTP2ServerConnectionFactory h2 = windows(new HTTP2ServerConnectionFactory(config));
            HttpConnectionFactory http1 = new HttpConnectionFactory(config);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
            alpn.setDefaultProtocol(http1.getProtocol());
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setKeyStore(keyStore(Path.of(cert), Path.of(key)));
            tls.setKeyStorePassword("");
            // AES-128-GCM first, as Weft prefers it (the JDK's own order puts AES-256 first); the
            // comparator moves the suites h2 forbids behind the allowed ones.
            tls.setIncludeCipherSuites("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_.*_GCM_.*", "TLS_ECDHE_.*_CHACHA20_.*");
            tls.setCipherComparator(org.eclipse.jetty.http2.HTTP2Cipher.COMPARATOR);
            factories = new ConnectionFactory[] {
                new SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2, http1};
            mode = "h2/http1.1 over TLS (ALPN, JDK SSLEngine)";
        } else if (flags.get("protocol", "h2c").equals("http1")) {
            factories = new ConnectionFactory[] {new HttpConnectionFactory(new HttpConfiguration())};
            mode = "cleartext HTTP/1.1";
        } else {
            factories = new ConnectionFactory[] {windows(new HTTP2CServerConnectionFactory(new HttpConfiguration()))};
            mode = "cleartext h2 (prior knowledge)";
        }
        ServerConnector connector = new ServerConnector(server, 1, 1, factories);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Routes(root));
        server.start();
        System.err.println("jetty-peer: listening on " + host + ":" + port + ", " + mode + ", files under " + root);
        server.join();
    }

    /** Weft's default windows and stream limit, so that the comparison is like for like. */
    private static <F extends org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory> F windows(F h2) {
        h2.setInitialStreamRecvWindow(1 << 20);
        h2.setInitialSessionRecvWindow(4 << 20);
        h2.setMaxConcurrentStreams(128);
        return h2;
    }

    /** An in-memory key store (alias {@code peer}, empty password) from a PEM chain and PKCS#8 key. */
    private static KeyStore keyStore(Path certFile, Path keyFile) throws Exception {
        Certificate[] chain;
        try (var in = Files.newInputStream(certFile)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
        }
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        int start = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < 0) {
            throw new IllegalArgumentException(keyFile + ": not an unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + "-----BEGIN PRIVATE KEY-----".length(), end));
        String algorithm = chain[0].getPublicKey().getAlgorithm();
        PrivateKey privateKey = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("peer", privateKey, new char[0], chain);
        return store;
    }

    /** The demo's benchmarked routes. */
    private static final class Routes extends Handler.Abstract {
        private final Path root;

        Routes(Path root) {
            super(InvocationType.NON_BLOCKING);
            this.root = root;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            String method = request.getMethod();
            if (method.equals("GET") && path.equals("/hello")) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                response.write(true, ByteBuffer.wrap(HELLO), callback);
                return true;
            }
            if (method.equals("GET") && path.startsWith("/files/")) {
                Path file = root.resolve(path.substring("/files/".length())).normalize();
                if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                    return notFound(response, callback);
                }
                try {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Files.size(file));
                } catch (java.io.IOException e) {
                    return notFound(response, callback);
                }
                Content.copy(Content.Source.from(file), response, callback);
                return true;
            }
            if (method.equals("POST") && path.equals("/sink")) {
                sink(request, response, callback, new long[1]);
                return true;
            }
            return notFound(response, callback);
        }

        private static boolean notFound(Response response, Callback callback) {
            response.setStatus(404);
            response.write(true, ByteBuffer.wrap("not found\n".getBytes(StandardCharsets.US_ASCII)), callback);
            return true;
        }

        /** Reads and discards the body, then answers its length. */
        private static void sink(Request request, Response response, Callback callback, long[] count) {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(() -> sink(request, response, callback, count));
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    callback.failed(chunk.getFailure());
                    return;
                }
                count[0] += chunk.remaining();
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                    response.write(true, ByteBuffer.wrap((count[0] + "\n").getBytes(StandardCharsets.US_ASCII)), callback);
                    return;
                }
            }
        }
    }
}
