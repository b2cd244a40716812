package dev.weft.http2.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Reads the client connection preface (RFC 9113 §3.4) in any split. When the bytes are not the
 * preface, it reads at most one line more to tell an HTTP/1.x request line (answered in plain
 * HTTP/1.1 by the driver) from anything else (a PROTOCOL_ERROR).
 *
 * <p>Threading: owned by the connection's event loop thread.
 */
final class PrefaceReader {
    /** RFC 9113 §3.4: the client connection preface. */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Longest first line inspected for an HTTP/1.x request line. */
    private static final int MAX_SNIFFED_LINE = 8192;
    private static final Pattern HTTP1_REQUEST_LINE = Pattern.compile("[A-Z]{1,20} \\S+ HTTP/1\\.[0-9]");

    /** What the bytes so far are. */
    enum Verdict { NEED_MORE, PREFACE, HTTP1, INVALID }

    private int matched;
    /** Non-null once the bytes diverged from the preface: the first line so far. */
    private ByteArrayOutputStream firstLine;

    /** Consumes bytes of {@code in} up to the end of the preface (or of the first line). */
    Verdict read(ByteBuffer in) {
        if (firstLine == null) {
            while (in.hasRemaining() && matched < PREFACE.length) {
                byte next = in.get();
                if (next != PREFACE[matched]) {
                    firstLine = new ByteArrayOutputStream();
                    firstLine.write(PREFACE, 0, matched);
                    firstLine.write(next);
                    break;
                }
                matched++;
            }
            if (firstLine == null) {
                return matched == PREFACE.length ? Verdict.PREFACE : Verdict.NEED_MORE;
            }
        }
        while (in.hasRemaining() && firstLine.size() < MAX_SNIFFED_LINE && !endsWithNewline()) {
            firstLine.write(in.get());
        }
        if (!endsWithNewline() && firstLine.size() < MAX_SNIFFED_LINE) {
            return Verdict.NEED_MORE;
        }
        String line = firstLine.toString(StandardCharsets.ISO_8859_1).strip();
        return HTTP1_REQUEST_LINE.matcher(line).matches() ? Verdict.HTTP1 : Verdict.INVALID;
    }

    private boolean endsWithNewline() {
        byte[] bytes = firstLine.toByteArray();
        return bytes.length > 0 && bytes[bytes.length - 1] == '\n';
    }
}
