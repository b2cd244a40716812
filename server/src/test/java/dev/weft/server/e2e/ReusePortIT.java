package dev.weft.server.e2e;

import dev.weft.server.WeftProcess;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import dev.weft.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --reuse-port}: two {@code weft serve} processes of one transport listen on one port; the
 * kernel spreads h2load's 64 connections over both (all 64 going to one of them would happen with
 * odds of 2^-63), and when one stops the other still answers. (Same transport: the kernel only
 * spreads among sockets of one address family, and NIO's listener is an IPv6 socket where epoll's
 * is IPv4, so a mixed pair would send everything to epoll.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReusePortIT {
    private static final int CONNECTIONS = 64;

    @TempDir
    Path temp;

    private static long served(WeftProcess weft) {
        return weft.stderr().lines().filter(line -> line.contains(" h2 \"GET /hello\" 200 ")).count();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void twoProcessesShareOnePort(String transport) throws Exception {
        String h2load = ExternalTool.require("h2load", "nghttp2-client");
        String curl = ExternalTool.require("curl", "curl");
        try (WeftProcess first = WeftProcess.serve(Map.of(), transport, "--reuse-port", "--access-log", "--tmp-dir", temp.resolve("a").toString())) {
            WeftProcess second = WeftProcess.serve(Map.of(), transport, "--reuse-port", "--access-log",
                    "--tmp-dir", temp.resolve("b").toString(), "--port", Integer.toString(first.port()));
            try (second) {
                assertTrue(second.port() == first.port(), "both on " + first.port() + ": " + second.stderr());
                Peer.Result load = Peer.run(Duration.ofSeconds(60), List.of(h2load, "-n", Integer.toString(CONNECTIONS),
                        "-c", Integer.toString(CONNECTIONS), first.url("/hello"))).assertSuccess();
                assertTrue(load.stdout().contains(CONNECTIONS + " succeeded"), load.stdout());
                Poll.until("all requests in the two access logs", Duration.ofSeconds(10), () -> served(first) + served(second) == CONNECTIONS);
                assertTrue(served(first) > 0 && served(second) > 0, "first served " + served(first) + ", second " + served(second));
            }
            // The second process stopped (SIGTERM, exit 143): the first still owns the port.
            Peer.Result after = Peer.run(Duration.ofSeconds(30), List.of(curl, "-sS", "--http2-prior-knowledge", first.url("/hello")))
                    .assertSuccess();
            assertTrue(after.stdout().equals("Hello, world!"), after.stdout());
        }
    }
}
