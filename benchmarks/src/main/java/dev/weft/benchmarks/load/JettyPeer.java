package dev.weft.benchmarks.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
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
 * <p>Lives in the benchmarks module only; never shipped.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.weft.benchmarks.load.JettyPeer [--host H]
 * [--port P] [--root DIR] [--threads N]}.
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
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(new HttpConfiguration());
        h2c.setInitialStreamRecvWindow(1 << 20);
        h2c.setInitialSessionRecvWindow(4 << 20);
        h2c.setMaxConcurrentStreams(128);
        ServerConnector connector = new ServerConnector(server, 1, 1, h2c);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Routes(root));
        server.start();
        System.err.println("jetty-peer: listening on " + host + ":" + port + ", files under " + root);
        server.join();
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
