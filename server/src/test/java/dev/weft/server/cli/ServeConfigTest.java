package dev.weft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.Http2Settings;
import dev.weft.wireproto.WireprotoLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flag over environment over config file over default, and one clear line for a bad value from any of them. */
class ServeConfigTest {
    @TempDir
    Path dir;

    private static ServeConfig resolve(Map<String, String> environment, String... args) {
        return ServeConfig.resolve(Cli.parse(Cli.commandLine(ServeConfig.commandSpec()), args), environment);
    }

    private Path file(String text) throws IOException {
        Path file = dir.resolve("weft.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        Path file = file("""
                # every layer sets max-ram; env and file set port; only the file sets max-parts
                max-ram = 3m
                port = 9001
                max-parts = 12
                """);
        ServeConfig config = resolve(Map.of("WEFT_MAX_RAM", "2m", "WEFT_PORT", "9002"),
                "--config", file.toString(), "--max-ram", "1k");
        assertEquals(1024, config.size(ServeSetting.MAX_RAM));
        assertEquals("flag", config.origin(ServeSetting.MAX_RAM));
        assertEquals(9002, config.whole(ServeSetting.PORT));
        assertEquals("WEFT_PORT", config.origin(ServeSetting.PORT));
        assertEquals(12, config.intSize(ServeSetting.MAX_PARTS));
        assertEquals("config file " + file, config.origin(ServeSetting.MAX_PARTS));
        assertEquals(Duration.ofSeconds(30), config.seconds(ServeSetting.IDLE_TIMEOUT));
        assertFalse(config.isSet(ServeSetting.IDLE_TIMEOUT));
    }

    @Test
    void configFileMayComeFromTheEnvironment() throws IOException {
        Path file = file("h2-max-concurrent-streams=9\n");
        ServeConfig config = resolve(Map.of("WEFT_CONFIG", file.toString()));
        assertEquals(9, ServeCommand.http2Settings(config).maxConcurrentStreams());
    }

    @Test
    void defaultsAreTheLibrarysDefaults() {
        ServeConfig config = resolve(Map.of());
        assertEquals(Http2Settings.defaults(), ServeCommand.http2Settings(config));
        assertEquals(WireprotoLimits.defaults(), ServeCommand.wireprotoLimits(config));
    }

    @Test
    void everyHttp2LimitHasAFlag() {
        ServeConfig config = resolve(Map.of(), "--h2-max-concurrent-streams", "7", "--h2-initial-window", "2m",
                "--h2-connection-window", "8m", "--h2-max-frame-size", "32k", "--h2-max-header-list", "8k",
                "--h2-slow-peer-timeout", "3", "--h2-reset-budget", "50", "--h2-reset-refill-per-second", "20", "--h2-max-continuation-frames", "8",
                "--h2-max-header-block", "16k", "--h2-max-queued-control-frames", "99", "--h2-max-empty-frames", "5");
        Http2Settings expected = new Http2Settings(7, 2 << 20, 8 << 20, 32 << 10, 8 << 10,
                new Http2Settings.Limits(50, 20, 8, 16 << 10, 99, 5), Duration.ofSeconds(3));
        assertEquals(expected, ServeCommand.http2Settings(config));
    }

    @Test
    void everyWireprotoLimitHasAFlag() {
        ServeConfig config = resolve(Map.of(), "--wireproto-max-frame", "1k", "--wireproto-max-arguments", "3",
                "--wireproto-max-argument-bytes", "2k", "--wireproto-max-pending-commands", "4",
                "--wireproto-command-data-window", "8k", "--wireproto-max-deferred-output", "1m");
        assertEquals(new WireprotoLimits(1024, WireprotoLimits.DEFAULT_SEND_FRAME_LENGTH, 3, 2048, 4, 8192, 1 << 20),
                ServeCommand.wireprotoLimits(config));
    }

    @Test
    void badValuesNameTheFlagAndWhereTheyCameFrom() throws IOException {
        UsageException fromFlag = assertThrows(UsageException.class, () -> resolve(Map.of(), "--h2-initial-window", "1k"));
        assertEquals("--h2-initial-window must be at least 65535 bytes: 1k", fromFlag.getMessage());
        UsageException fromEnvironment = assertThrows(UsageException.class, () -> resolve(Map.of("WEFT_MAX_RAM", "lots")));
        assertTrue(fromEnvironment.getMessage().startsWith("--max-ram: not a size: \"lots\""), fromEnvironment.getMessage());
        assertTrue(fromEnvironment.getMessage().endsWith(", from WEFT_MAX_RAM"), fromEnvironment.getMessage());
        Path file = file("idle-timeout=soon\n");
        UsageException fromFile = assertThrows(UsageException.class, () -> resolve(Map.of(), "--config", file.toString()));
        assertEquals("--idle-timeout must be a whole number: soon, from config file " + file, fromFile.getMessage());
    }

    @Test
    void unknownKeysAndMissingFilesAreRefused() throws IOException {
        Path file = file("max-ram=1m\ncolour=blue\n");
        UsageException unknown = assertThrows(UsageException.class, () -> resolve(Map.of(), "--config", file.toString()));
        assertEquals("unknown key 'colour' in config file " + file + " (its keys are the serve flags without --)",
                unknown.getMessage());
        UsageException missing = assertThrows(UsageException.class,
                () -> resolve(Map.of(), "--config", dir.resolve("none.properties").toString()));
        assertEquals("config file " + dir.resolve("none.properties") + " does not exist", missing.getMessage());
    }

    @Test
    void unrelatedWeftVariablesAreIgnored() {
        ServeConfig config = resolve(Map.of("WEFT_NO_BUILD", "1", "WEFT_HOME", "/x"));
        assertEquals(8080, config.whole(ServeSetting.PORT));
    }

    @Test
    void badEnvironmentValueIsOneLineAndExitStatusTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"serve"}, Map.of("WEFT_PORT", "70000"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.USAGE, status);
        assertEquals("weft: --port must be 0..65535: 70000, from WEFT_PORT (see weft --help)\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void watermarksOutOfOrderAreAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"serve", "--write-low-watermark", "128k"}, Map.of(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.USAGE, status);
        assertEquals("weft: --write-low-watermark (131072) must not exceed --write-high-watermark (65536) (see weft --help)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEverySettingWithItsDefault() {
        String help = Usage.text();
        for (ServeSetting setting : ServeSetting.values()) {
            assertTrue(help.contains(setting.flag() + " "), "help should list " + setting.flag());
            if (setting.defaultValue != null && setting.kind != ServeSetting.Kind.SWITCH) {
                assertTrue(help.contains("(default " + setting.defaultValue + ")"), setting.flag() + " default");
            }
        }
        assertTrue(help.contains("WEFT_<NAME>") && help.contains("--config FILE"), help);
    }
}
