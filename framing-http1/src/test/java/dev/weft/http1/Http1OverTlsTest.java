package dev.weft.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.http2.Http2Protocol;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.testing.ExternalTool;
import dev.weft.tls.TlsConfig;
import dev.weft.tls.TlsLayer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * curl against http/1.1 (with h2 bound, for ALPN and for {@code Upgrade: h2c}) on each transport,
 * once in cleartext and once through the TLS layer: the scheme a handler sees is the connection's
 * ({@code https} under TLS, RFC 9112 §3.3), h2 over TLS reports the {@code :scheme} curl sends
 * ({@code https}), and {@code Upgrade: h2c} is taken in cleartext but ignored under TLS (RFC 9113
 * §3.1: h2c is cleartext only), so the request is answered over HTTP/1.1.
 */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll", "nio+tls", "epoll+tls"})
@Timeout(60)
class Http1OverTlsTest {
    /** One development certificate for the whole class: keytool takes a second or two. */
    private static TlsConfig config;
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** The HTTP2-Settings curl itself sends with --http2 over cleartext (an empty SETTINGS payload is valid too). */
    private static final String SETTINGS = "AAMAAABkAAQCAAAAAAIAAAAA";

    @Parameter
    String variant;
    private TransportServer server;

    private boolean tls() {
        return variant.endsWith("+tls");
    }

    private String url(String path) {
        if (server == null) {
            Router router = new Router().get("/scheme", request -> Response.ok(request.scheme() + " " + request.protocol()));
            ProtocolContext context = ProtocolContext.of(router);
            Http2Protocol h2 = Http2Protocol.withDefaults();
            Protocol http1 = new Http1Protocol(name -> name.equals("h2") ? h2 : null);
            ConnectionInitializer cleartext = connection -> http1.open(connection, context);
            ConnectionInitializer initializer = cleartext;
            if (tls()) {
                synchronized (Http1OverTlsTest.class) {
                    if (config == null) {
                        config = TlsConfig.selfSigned();
                    }
                }
                initializer = new TlsLayer(config, List.of("h2", "http/1.1"), Duration.ofSeconds(10))
                        .wrap((secured, alpn) -> alpn.equals("h2") ? h2.open(secured, context) : http1.open(secured, context));
            }
            try {
                server = Http1TestServer.transport(variant.replace("+tls", "")).start(
                        TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1), initializer);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return (tls() ? "https" : "http") + "://127.0.0.1:" + server.localAddress().getPort() + path;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ProcessRunner.Result curl(String... args) throws Exception {
        ProcessRunner.Result result = curlAnyExit(args);
        assertEquals(0, result.exitCode(), result.output());
        return result;
    }

    private static ProcessRunner.Result curlAnyExit(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ExternalTool.require("curl", "curl"), "-sS", "-k", "--max-time", "20"));
        command.addAll(List.of(args));
        return ProcessRunner.run(DEADLINE, command.toArray(String[]::new));
    }

    @Test
    void http11ReportsTheConnectionsScheme() throws Exception {
        ProcessRunner.Result result = curl("--http1.1", "-w", "\n%{http_version}", url("/scheme"));
        assertEquals((tls() ? "https" : "http") + " http/1.1\n1.1", result.output());
    }

    @Test
    void h2cUpgradeIsTakenInCleartextOnlyAndIgnoredUnderTls() throws Exception {
        ProcessRunner.Result result = curlAnyExit("--http1.1", "-v", "-H", "Connection: Upgrade, HTTP2-Settings",
                "-H", "Upgrade: h2c", "-H", "HTTP2-Settings: " + SETTINGS, url("/scheme"));
        if (tls()) {
            assertEquals(0, result.exitCode(), result.output());
            assertFalse(result.output().contains("HTTP/1.1 101"), result.output());
            assertTrue(result.output().contains("< HTTP/1.1 200"), result.output());
            assertTrue(result.output().endsWith("https http/1.1"), result.output());
        } else {
            // curl does not speak h2 after a 101 it did not ask for with --http2 (it exits 52, "empty
            // reply"); the switch is what counts here.
            assertTrue(result.output().contains("HTTP/1.1 101"), result.output());
        }
    }

    @Test
    void h2ReportsTheSchemeTheClientSent() throws Exception {
        // Over TLS ALPN picks h2; in cleartext curl upgrades with h2c and then speaks h2.
        ProcessRunner.Result result = curl("--http2", "-w", "\n%{http_version}", url("/scheme"));
        assertEquals((tls() ? "https" : "http") + " h2\n2", result.output());
    }
}
