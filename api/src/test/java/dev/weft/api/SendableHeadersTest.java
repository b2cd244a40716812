package dev.weft.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Header fields no HTTP version can send are refused where the handler sets them (issue 17). */
class SendableHeadersTest {

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\r\nset-cookie: evil=1", "nul\0here"})
    void responseHeaderValueWithCrLfOrNulIsRefused(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Response.ok("x").withHeader("x-split", value));
        assertTrue(e.getMessage().startsWith("response header x-split cannot be sent: its value has U+00"), e.getMessage());
        assertTrue(e.getMessage().contains("NUL, CR and LF are forbidden"), e.getMessage());
    }

    @Test
    void responseHeaderValueOutsideLatin1IsRefusedNamingTheCharacter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Response(200, Headers.of("content-disposition", "attachment; filename=\"na\u00efve-\u20ac.txt\""),
                        Content.NONE));
        assertEquals("response header content-disposition cannot be sent: its value has '\u20ac' (U+20AC) at index 28, "
                + "outside Latin-1 (encode it, e.g. percent-encoding or RFC 8187)", e.getMessage());
    }

    @Test
    void supplementaryCharacterIsNamedByItsCodePoint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Response.ok("x").withHeader("x-mood", "\uD83D\uDE00"));
        assertTrue(e.getMessage().contains("U+1F600"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {":status", "x y", "x:y", "caf\u00e9", "tab\there", ""})
    void responseHeaderNameOutsideVisibleAsciiOrWithColonIsRefused(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Response.streamed(200, Headers.of(name, "v"), Body.empty()));
        assertTrue(e.getMessage().startsWith("response header"), e.getMessage());
    }

    @Test
    void latin1AndVisibleAsciiAreSent() {
        Response response = assertDoesNotThrow(() -> Response.ok("x")
                .withHeader("x-latin1", "na\u00efve caf\u00e9 \u00ff")
                .withHeader("x-tab", "a\tb")
                .withHeader("x-symbols", "!#$%&'*+-.^_`|~\"(),/;<=>?@[\\]{}"));
        assertEquals("na\u00efve caf\u00e9 \u00ff", response.headers().get("x-latin1"));
    }

    @Test
    void trailerWithCrLfIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StreamContent.Trailers(Headers.of("grpc-message", "line one\nline two")));
        assertTrue(e.getMessage().startsWith("trailer grpc-message cannot be sent"), e.getMessage());
    }

    @Test
    void requestsMayStillCarryAnyTextInHeaders() {
        // Request headers are not checked: wireproto arguments arrive as request headers and may be any UTF-8.
        Headers headers = assertDoesNotThrow(() -> Headers.of("msg", "line one\nline two \u20ac"));
        assertEquals("line one\nline two \u20ac", headers.get("msg"));
    }
}
