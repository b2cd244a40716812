package dev.weft.wireproto;

import dev.weft.api.Request;
import dev.weft.api.Response;
import java.util.HexFormat;
import java.util.List;

/** Argument values that a text decoding anywhere on the way would change. */
final class ByteValues {
    private ByteValues() {
    }

    /** The 256 byte values 0x00..0xFF, in order. */
    static byte[] allBytes() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        return all;
    }

    /** Not UTF-8: a lone continuation byte, a truncated sequence, an encoded surrogate, 0xFF. */
    static byte[] invalidUtf8() {
        return new byte[] {(byte) 0x80, 'a', (byte) 0xC3, '(', (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xFF, (byte) 0xFE, 0};
    }

    /** Values worth sending: all bytes, empty, invalid UTF-8, and valid multi-byte UTF-8. */
    static List<byte[]> samples() {
        return List.of(allBytes(), new byte[0], invalidUtf8(), "h\u00e9llo \u263a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * {@code POST /hexargs}: each argument as {@code name=hex;}, from the request's exact
     * bytes, so a test can see what the handler was given.
     */
    static Response hexArguments(Request request) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < request.arguments().size(); i++) {
            byte[] value = new byte[request.arguments().value(i).remaining()];
            request.arguments().value(i).get(value);
            text.append(request.arguments().name(i)).append('=').append(HexFormat.of().formatHex(value)).append(';');
        }
        return Response.ok(text.toString());
    }
}
