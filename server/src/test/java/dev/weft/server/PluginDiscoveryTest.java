package dev.weft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.http2.Http2Settings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ServiceLoader finds plugins, Guice binds them, user modules override them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PluginDiscoveryTest {
    private static final Router ROUTER = new Router().get("/hello", request -> Response.ok("Hello, world!"));

    @Test
    void findsEveryPluginOfTheMainTreeAndTheTestOnlyOne() {
        Plugins plugins = Plugins.load(getClass().getClassLoader(), List.of());
        assertTrue(plugins.transports().keySet().containsAll(List.of("nio", "epoll")), plugins.transports().keySet().toString());
        assertTrue(plugins.protocols().keySet().containsAll(List.of("h2", "wireproto", "line")), plugins.protocols().keySet().toString());
        assertTrue(plugins.bodyPolicies().containsKey("default"));
        assertTrue(plugins.modules().stream().anyMatch(m -> m.getClass().getName().equals("dev.weft.server.testplugin.LinePlugin")));
    }

    @Test
    void servesThroughAProtocolNobodyInTheMainTreeWrote() throws Exception {
        try (WeftServer server = Weft.builder().handler(ROUTER).protocol("line").port(0).eventLoops(1).start();
             Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("/hello\n/nowhere\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            List<String> answers = List.of(in.readLine(), in.readLine());
            assertTrue(answers.contains("200 Hello, world!"), answers.toString());
            assertTrue(answers.contains("404 no route for GET /nowhere"), answers.toString());
        }
    }

    @Test
    void autoDetectionHandsOverToTheTestOnlyProtocolToo() throws Exception {
        try (WeftServer server = Weft.builder().handler(ROUTER).protocol("auto").port(0).start();
             Socket socket = new Socket("127.0.0.1", server.port())) {
            assertTrue(server.protocolNames().containsAll(List.of("h2", "wireproto", "line")), server.protocolNames().toString());
            socket.getOutputStream().write("/hello\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("200 Hello, world!", in.readLine());
        }
    }

    @Test
    void unknownNamesFailAtStartListingWhatIsProvided() {
        WeftStartupException transport = assertThrows(WeftStartupException.class,
                () -> Weft.builder().handler(ROUTER).transport("carrier-pigeon").port(0).start());
        assertEquals("no transport named 'carrier-pigeon'; provided: epoll, nio", transport.getMessage());
        WeftStartupException protocol = assertThrows(WeftStartupException.class,
                () -> Weft.builder().handler(ROUTER).protocol("smoke-signals").port(0).start());
        assertEquals("no protocol named 'smoke-signals'; provided: h2, http/1.1, line, wireproto, auto", protocol.getMessage());
        WeftStartupException policy = assertThrows(WeftStartupException.class,
                () -> Weft.builder().handler(ROUTER).bodyPolicy("admin").port(0).start());
        assertEquals("no body policy named 'admin'; provided: default", policy.getMessage());
    }

    @Test
    void aPortInUseIsOneClearLine() {
        try (WeftServer first = Weft.builder().handler(ROUTER).port(0).start()) {
            WeftStartupException e = assertThrows(WeftStartupException.class,
                    () -> Weft.builder().handler(ROUTER).port(first.port()).start());
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("choose another --port"), e.getMessage());
        }
    }

    @Test
    void userModulesOverrideThePluginsBindings() throws Exception {
        // A one-stream limit, bound by the user, must reach the h2 protocol the plugin made.
        Http2Settings oneStream = Http2Settings.defaults().withMaxHeaderListSize(1024);
        try (WeftServer server = Weft.builder().handler(ROUTER).protocol("h2").port(0)
                .override(binder -> binder.bind(Http2Settings.class).toInstance(oneStream))
                .start()) {
            OkHttpClient client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
            String url = "http://127.0.0.1:" + server.port() + "/hello";
            try (var small = client.newCall(new Request.Builder().url(url).build()).execute()) {
                assertEquals(200, small.code());
            }
            try (var large = client.newCall(new Request.Builder().url(url).header("x-big", "y".repeat(4000)).build()).execute()) {
                assertEquals(431, large.code(), "the overridden 1 KiB header-list limit should refuse 4 KB of headers");
            } catch (java.io.IOException reset) {
                // A stream reset is also a refusal of the over-limit header block.
                assertTrue(reset.getMessage() != null, reset.toString());
            } finally {
                client.dispatcher().executorService().shutdown();
                client.connectionPool().evictAll();
            }
        }
    }
}
