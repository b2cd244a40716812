package dev.weft.server.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The admin listener ({@code --admin-port}): {@code GET /metrics} (Prometheus text) and
 * {@code GET /health} ({@code 200 ready}, or {@code 503 draining} once the server is stopping,
 * which is what a load balancer's health check or a Kubernetes readiness probe wants). It is the
 * JDK's small HTTP/1.1 server on its own thread, apart from the event loops, so a scrape works
 * however busy the server is; keep it on a private address.
 *
 * <p>Threading: requests are served on one platform thread of its own.
 */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * @param metrics scraped on {@code /metrics}
     * @param draining true once the server stops taking work
     * @throws IOException if the address cannot be bound
     */
    public static AdminServer start(InetSocketAddress address, WeftMetrics metrics, BooleanSupplier draining) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("weft-admin").daemon().factory());
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> answer(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.createContext("/health", exchange -> {
            boolean stopping = draining.getAsBoolean();
            answer(exchange, stopping ? 503 : 200, "text/plain; charset=utf-8", stopping ? "draining\n" : "ready\n");
        });
        server.createContext("/", exchange -> answer(exchange, 404, "text/plain; charset=utf-8", "try /metrics or /health\n"));
        server.start();
        return new AdminServer(server, executor);
    }

    private static void answer(HttpExchange exchange, int status, String type, String text) throws IOException {
        try (exchange) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", type);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** @return the bound address (the real port when 0 was asked for) */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
