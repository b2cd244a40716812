package dev.weft.http1;

import dev.weft.api.Headers;
import dev.weft.http1.core.RequestHead;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code Upgrade: h2c} (RFC 7540 §3.2): after {@code 101 Switching Protocols} the connection
 * belongs to an h2 session, and the upgrade request becomes its stream 1.
 *
 * <p>How stream 1 reaches the h2 session without an h2 API for it: the session is fed exactly
 * what a prior-knowledge client would have sent: the client's real preface and its first
 * SETTINGS frame, then a HEADERS frame on stream 1 (END_STREAM) made here from the HTTP/1.1
 * request (HPACK literals without indexing, so no HPACK state is touched), then the rest of the
 * client's bytes. The client starts its own streams at 3 (§3.2), so the ids never collide. The
 * {@code HTTP2-Settings} field is checked to be base64url but not applied: the same settings
 * arrive in the client's SETTINGS frame right after the preface, before stream 1 is handed over,
 * and applying them twice would make the session acknowledge a SETTINGS frame the client never
 * sent.
 *
 * <p>Only requests without a body upgrade (a request with one is answered over HTTP/1.1; the
 * server may ignore Upgrade, RFC 9110 §7.8).
 *
 * <p>Threading: confined to the connection's loop, like every handler.
 */
final class H2cUpgrade implements ConnectionHandler {
    static final byte[] SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** The client connection preface (RFC 9113 §3.4). */
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int FRAME_HEADER = 9;
    /** The smallest SETTINGS_MAX_FRAME_SIZE, which every h2 server accepts. */
    private static final int MAX_FRAME = 16_384;
    private static final int TYPE_SETTINGS = 0x4;
    /** Fields that mean nothing in HTTP/2 (RFC 9113 §8.2.2) or are carried by pseudo-headers. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "upgrade", "http2-settings", "host",
            "keep-alive", "proxy-connection", "transfer-encoding", "content-length", "expect");

    private final ConnectionHandler session;
    private final byte[] stream1;
    /** Loop: the client's bytes until its first SETTINGS frame is complete; null once spliced. */
    private ByteArrayOutputStream start = new ByteArrayOutputStream(64);

    H2cUpgrade(ConnectionHandler session, byte[] stream1) {
        this.session = session;
        this.stream1 = stream1;
    }

    /** @return whether {@code head} asks for h2c the way RFC 7540 §3.2 requires, with no body */
    static boolean wanted(RequestHead head) {
        if (!head.upgrade().contains("h2c") || head.framing() != dev.weft.http1.core.BodyFraming.NONE) {
            return false;
        }
        List<String> settings = head.headers().getAll("http2-settings");
        if (settings.size() != 1) {
            return false;
        }
        boolean named = false;
        for (String value : head.headers().getAll("connection")) {
            for (String option : value.split(",")) {
                named |= option.strip().toLowerCase(Locale.ROOT).equals("http2-settings");
            }
        }
        if (!named) {
            return false;
        }
        try {
            Base64.getUrlDecoder().decode(settings.getFirst().strip());
            return true;
        } catch (IllegalArgumentException notBase64url) {
            return false;
        }
    }

    /** @return stream 1's HEADERS (and CONTINUATION) frames for the upgrade request */
    static byte[] headersFrames(RequestHead head) {
        ByteArrayOutputStream block = new ByteArrayOutputStream(256);
        literal(block, ":method", head.method());
        literal(block, ":scheme", "http");
        literal(block, ":authority", head.authority());
        literal(block, ":path", head.target());
        Headers headers = head.headers();
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            String value = headers.value(i);
            if (NOT_FORWARDED.contains(name) || (name.equals("te") && !value.equalsIgnoreCase("trailers"))) {
                continue;
            }
            literal(block, name, value);
        }
        byte[] fragment = block.toByteArray();
        ByteArrayOutputStream frames = new ByteArrayOutputStream(fragment.length + 32);
        int offset = 0;
        boolean first = true;
        do {
            int length = Math.min(MAX_FRAME, fragment.length - offset);
            boolean lastFrame = offset + length == fragment.length;
            int type = first ? 0x1 : 0x9; // HEADERS, then CONTINUATION
            int flags = (first ? 0x1 : 0) | (lastFrame ? 0x4 : 0); // END_STREAM on HEADERS, END_HEADERS on the last
            frames.write(length >>> 16);
            frames.write(length >>> 8);
            frames.write(length);
            frames.write(type);
            frames.write(flags);
            frames.write(0);
            frames.write(0);
            frames.write(0);
            frames.write(1);
            frames.write(fragment, offset, length);
            offset += length;
            first = false;
        } while (offset < fragment.length);
        return frames.toByteArray();
    }

    /** RFC 7541 §6.2.2: literal header field without indexing, new name, no Huffman coding. */
    private static void literal(ByteArrayOutputStream out, String name, String value) {
        out.write(0x00);
        string(out, name.getBytes(StandardCharsets.ISO_8859_1));
        string(out, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void string(ByteArrayOutputStream out, byte[] bytes) {
        integer(out, bytes.length, 7);
        out.write(bytes, 0, bytes.length);
    }

    /** RFC 7541 §5.1 integer with an N-bit prefix (the prefix's other bits are 0). */
    static void integer(ByteArrayOutputStream out, int value, int prefixBits) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.write(value);
            return;
        }
        out.write(max);
        value -= max;
        while (value >= 128) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    @Override
    public void onRead(ByteBuffer data) {
        if (start == null) {
            session.onRead(data);
            return;
        }
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        start.write(bytes, 0, bytes.length);
        byte[] seen = start.toByteArray();
        int splice = splicePoint(seen);
        if (splice == 0) {
            return; // need more bytes
        }
        start = null;
        if (splice < 0) {
            session.onRead(ByteBuffer.wrap(seen)); // not a preface with SETTINGS: let h2 say what is wrong
            return;
        }
        ByteBuffer fed = ByteBuffer.allocate(seen.length + stream1.length);
        fed.put(seen, 0, splice).put(stream1).put(seen, splice, seen.length - splice).flip();
        session.onRead(fed);
    }

    /** @return the offset after the client's first SETTINGS frame, 0 for more bytes, -1 if not a preface with SETTINGS */
    private static int splicePoint(byte[] seen) {
        int prefaceBytes = Math.min(seen.length, PREFACE.length);
        for (int i = 0; i < prefaceBytes; i++) {
            if (seen[i] != PREFACE[i]) {
                return -1;
            }
        }
        if (seen.length < PREFACE.length + FRAME_HEADER) {
            return 0;
        }
        int at = PREFACE.length;
        int length = (seen[at] & 0xff) << 16 | (seen[at + 1] & 0xff) << 8 | (seen[at + 2] & 0xff);
        if ((seen[at + 3] & 0xff) != TYPE_SETTINGS || length > MAX_FRAME) {
            return -1;
        }
        int end = at + FRAME_HEADER + length;
        return seen.length >= end ? end : 0;
    }

    @Override
    public void onInputClosed() {
        session.onInputClosed();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        session.onWritabilityChanged(writable);
    }

    @Override
    public void onIdleTimeout(Connection connection) {
        session.onIdleTimeout(connection);
    }

    @Override
    public void onShutdown(Connection connection) {
        session.onShutdown(connection);
    }

    @Override
    public void onClosed(Throwable cause) {
        session.onClosed(cause);
    }
}
