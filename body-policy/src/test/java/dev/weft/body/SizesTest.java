package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class SizesTest {
    @ParameterizedTest
    @CsvSource({"123, 123", "0, 0", "64k, 65536", "64K, 65536", "10m, 10485760", "2g, 2147483648",
            "1t, 1099511627776", "16kb, 16384", " 8m , 8388608", "7, 7"})
    void parsesSizes(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "k", "-1", "1.5m", "10x", "m10", "1 m", "99999999999999999999", "9000000000000t"})
    void rejectsNonSizesWithTheTextInTheMessage(String text) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
        assertTrue(error.getMessage().contains("\"" + text + "\""), error.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(null));
    }

    @Test
    void parseIntRejectsSizesBeyondAnInt() {
        assertEquals(16384, Sizes.parseInt("16k"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseInt("2g"));
    }

    @Test
    void formatsInTheLargestExactUnitAndRoundTrips() {
        assertEquals("64k", Sizes.format(65536));
        assertEquals("1000", Sizes.format(1000));
        assertEquals("4g", Sizes.format(4L << 30));
        assertEquals("0", Sizes.format(0));
        for (long value : new long[] {1, 1023, 1024, 1536, 1L << 20, 3L << 40, 123_456_789}) {
            assertEquals(value, Sizes.parse(Sizes.format(value)));
        }
    }
}
