package dev.weft.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class CommandArgumentsTest {
    private static final byte[] NOT_UTF8 = {(byte) 0xC3, '(', (byte) 0xFF};

    @Test
    void valuesAreTheBytesAddedAndCannotBeChangedThroughTheAccessors() {
        byte[] value = {0, 1, (byte) 0x80, (byte) 0xFF};
        CommandArguments arguments = CommandArguments.builder().add("msg", value).add("empty", new byte[0]).build();
        value[0] = 9;
        assertArrayEquals(new byte[] {0, 1, (byte) 0x80, (byte) 0xFF}, arguments.bytes("msg"));
        arguments.bytes("msg")[1] = 7;
        assertArrayEquals(new byte[] {0, 1, (byte) 0x80, (byte) 0xFF}, arguments.bytes("msg"));
        ByteBuffer view = arguments.buffer("msg");
        assertThrows(ReadOnlyBufferException.class, () -> view.put(0, (byte) 5));
        assertArrayEquals(new byte[0], arguments.bytes("empty"));
        assertTrue(arguments.contains("empty"));
        assertEquals(2, arguments.size());
        assertEquals("empty", arguments.name(1));
    }

    @Test
    void namesAreExactAndAbsentOnesAreNull() {
        CommandArguments arguments = CommandArguments.builder().add("Key", new byte[] {1}).build();
        assertNull(arguments.bytes("key"));
        assertNull(arguments.buffer("other"));
        assertNull(arguments.text("other"));
        assertFalse(CommandArguments.empty().contains("Key"));
    }

    @Test
    void textIsALossyUtf8Convenience() {
        CommandArguments arguments = CommandArguments.builder().add("bad", NOT_UTF8).add("good", "h\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();
        assertEquals("\uFFFD(\uFFFD", arguments.text("bad"));
        assertEquals("h\u00e9", arguments.text("good"));
        assertArrayEquals(NOT_UTF8, arguments.bytes("bad"));
    }

    @Test
    void requestsCarryThemAndForwardingKeepsThem() {
        CommandArguments arguments = CommandArguments.builder().add("a", NOT_UTF8).build();
        Request request = Request.builder().arguments(arguments).build();
        assertEquals(arguments, request.arguments());
        assertEquals(arguments, new ForwardingRequest(request) { }.arguments());
        assertTrue(Request.builder().build().arguments().isEmpty());
    }
}
