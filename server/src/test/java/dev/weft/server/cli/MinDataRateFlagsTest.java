package dev.weft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.spi.MinDataRate;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --min-request-rate}, {@code --min-response-rate}, {@code --rate-grace} (issue 17). */
class MinDataRateFlagsTest {
    private static MinDataRate parse(String... args) {
        return ServeCommand.minDataRate(ServeConfig.resolve(
                Cli.parse(Cli.commandLine(ServeConfig.commandSpec()), args), Map.of()));
    }

    @Test
    void defaultsAreKestrels() {
        assertEquals(new MinDataRate(240, 240, Duration.ofSeconds(5)), parse());
    }

    @Test
    void flagsSetEachPartAndZeroTurnsADirectionOff() {
        assertEquals(new MinDataRate(1024, 0, Duration.ofSeconds(20)),
                parse("--min-request-rate", "1k", "--min-response-rate", "0", "--rate-grace", "20"));
    }

    @Test
    void badValuesAreUsageErrors() {
        assertTrue(assertThrows(UsageException.class, () -> parse("--min-request-rate", "fast"))
                .getMessage().contains("fast"));
        assertEquals("--rate-grace must be 1..3600: 0",
                assertThrows(UsageException.class, () -> parse("--rate-grace", "0")).getMessage());
    }
}
