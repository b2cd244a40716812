package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class JsonTest {
    private static String json(String value) {
        return Json.string(new StringBuilder(), value).toString();
    }

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0000g\\u001fh\\b\\f\"", json("a\"b\\c\nd\re\tf\u0000g\u001fh\b\f"));
    }

    @Test
    void keepsUnicodeButEscapesLineSeparatorsAndLoneSurrogates() {
        assertEquals("\"été 😀 \\u2028\\u2029\"", json("été 😀 \u2028\u2029"));
        assertEquals("\"\\ud800x\\udc00\"", json("\ud800x\udc00"));
    }

    @Test
    void writesNullAsJsonNull() {
        assertEquals("null", json(null));
    }
}
