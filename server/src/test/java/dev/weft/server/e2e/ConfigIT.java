package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP/2 limits reach the wire from all three places an operator sets them: {@code nghttp -v}
 * sees the SETTINGS that a flag, an environment variable and a config file chose, each winning
 * over the next.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConfigIT {
    @TempDir
    Path temp;

    @Test
    void flagOverEnvironmentOverFileReachTheSettingsFrame() throws Exception {
        String nghttp = ExternalTool.require("nghttp", "nghttp2-client");
        Path config = temp.resolve("weft.properties");
        Files.writeString(config, """
                h2-max-concurrent-streams = 5
                h2-initial-window = 2m
                h2-max-header-list = 32k
                """);
        Map<String, String> environment = Map.of("WEFT_H2_MAX_CONCURRENT_STREAMS", "7", "WEFT_H2_INITIAL_WINDOW", "3m");
        try (ServedWeft weft = ServedWeft.serve(environment, "nio", "--config", config.toString(),
                "--h2-initial-window", "4m", "--tmp-dir", temp.resolve("tmp").toString())) {
            String frames = Peer.run(Duration.ofSeconds(60), List.of(nghttp, "-v", "-t", "30", weft.url("/hello")))
                    .assertSuccess().stdout();
            assertTrue(frames.contains("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7]"), "environment over file: " + frames);
            assertTrue(frames.contains("[SETTINGS_INITIAL_WINDOW_SIZE(0x04):4194304]"), "flag over environment: " + frames);
            assertTrue(frames.contains("[SETTINGS_MAX_HEADER_LIST_SIZE(0x06):32768]"), "file over default: " + frames);
        }
    }
}
