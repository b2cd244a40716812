package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Headless Chromium opens {@code ./weft serve} over {@code http://} on both transports: the demo
 * page {@code /files/index.html} reports the protocol the browser used
 * ({@code performance.getEntriesByType('navigation')[0].nextHopProtocol}), which must be
 * {@code http/1.1} (browsers speak HTTP/2 only over TLS), and a screenshot of {@code /} is taken
 * into {@code server/target/}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class Http1ChromiumIT {
    private static final Duration CHROMIUM_TIMEOUT = Duration.ofSeconds(90);
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static List<String> chromium(Path profile, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(ExternalTool.require("chromium", "chromium"),
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + profile));
        command.addAll(Arrays.asList(args));
        return command;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void chromiumLoadsTheDemoOverHttp11(String transport, @TempDir Path temp) throws Exception {
        ExternalTool.require("chromium", "chromium"); // before the server starts: skipped (or failed on CI) at once
        try (ServedWeft weft = ServedWeft.serve(Map.of(), transport, "--tmp-dir", temp.resolve("tmp").toString())) {
            String dom = Peer.run(CHROMIUM_TIMEOUT, chromium(temp.resolve("profile-probe"), "--dump-dom",
                    weft.url("/files/index.html"))).assertSuccess().stdout();
            assertTrue(dom.contains("<span id=\"protocol\">http/1.1</span>"), "page served over http/1.1: " + dom);

            Path screenshot = Path.of("target", "chromium-http1-" + transport + ".png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            Peer.run(CHROMIUM_TIMEOUT, chromium(temp.resolve("profile-shot"), "--window-size=1024,768",
                    "--screenshot=" + screenshot, weft.url("/"))).assertSuccess();
            assertTrue(Files.size(screenshot) > 1000, "a screenshot of the demo page: " + screenshot);
            byte[] head = Arrays.copyOf(Files.readAllBytes(screenshot), PNG_SIGNATURE.length);
            assertArrayEquals(PNG_SIGNATURE, head, "a PNG");
        }
    }
}
