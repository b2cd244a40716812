package dev.weft.http1.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the end of a field section (an empty line), resuming where the last call stopped,
 * refusing bare LF and bare CR on the way.
 *
 * <p>State: owned by one {@link RequestDecoder} (its loop thread); it resumes a head or trailer
 * section across reads, and is reset once the section is taken.
 */
final class SectionScanner {
    /** Bytes from the section's start already scanned. */
    int scanned;
    /** Offset of the current line's start. */
    int lineStart;
    /** Length of the first line, or -1 until it ended. */
    int firstLine = -1;

    void reset() {
        scanned = 0;
        lineStart = 0;
        firstLine = -1;
    }

    /**
     * @return the section's length including its final empty line, or -1 for more bytes
     */
    int scan(ByteBuffer in, int maxSection, int maxFirstLine) throws Refusal {
        int base = in.position();
        int available = in.remaining();
        for (int i = scanned; i < available; i++) {
            byte b = in.get(base + i);
            if (b == '\n') {
                if (i == 0 || in.get(base + i - 1) != '\r') {
                    throw new Refusal(400, "bare LF (lines must end with CRLF)");
                }
                if (firstLine < 0) {
                    firstLine = i - 1;
                }
                if (i - lineStart == 1) {
                    scanned = i + 1;
                    return i + 1;
                }
                lineStart = i + 1;
            } else if (i > 0 && in.get(base + i - 1) == '\r') {
                throw new Refusal(400, "bare CR (lines must end with CRLF)");
            }
            if (firstLine < 0 && i >= maxFirstLine) {
                throw new Refusal(414, "request line longer than " + maxFirstLine + " bytes");
            }
            if (i >= maxSection) {
                throw new Refusal(431, "header section longer than " + maxSection + " bytes");
            }
        }
        scanned = available;
        return -1;
    }

    /** @return the section's lines without CRLF and without the final empty line */
    List<String> lines(ByteBuffer in, int start, int length) {
        List<String> lines = new ArrayList<>(16);
        int lineBegin = start;
        int end = start + length - 2; // the final empty line
        for (int i = start; i < end; i++) {
            if (in.get(i) == '\r') {
                lines.add(ascii(in, lineBegin, i));
                lineBegin = i + 2;
                i++;
            }
        }
        return lines;
    }

    private static String ascii(ByteBuffer in, int from, int to) {
        byte[] bytes = new byte[to - from];
        in.get(from, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
