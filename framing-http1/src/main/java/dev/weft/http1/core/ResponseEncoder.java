package dev.weft.http1.core;

import dev.weft.api.Headers;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Writes HTTP/1.1 responses (RFC 9112 §4, §7.1): the status line and fields, chunk framing and
 * the last chunk with trailers. Sans-IO: returns buffers, touches nothing else.
 *
 * <p>Framing fields are the encoder's, not the handler's: a handler's {@code content-length},
 * {@code transfer-encoding}, {@code connection} and other hop-by-hop fields are left out and the
 * encoder writes the ones that match what it will actually send, so a handler cannot desynchronize
 * the connection. Fields whose name is not a token or whose value holds CR, LF or NUL (response
 * splitting) are left out too; {@link #droppedFields} counts them for the caller's log.
 *
 * <p>Threading: stateless but for the drop counter of one response; one thread per instance.
 */
public final class ResponseEncoder {
    /** Fields the encoder owns (it writes them itself, or they mean nothing past this hop). */
    private static final Set<String> OWN_FIELDS = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "upgrade", "te", "trailer");
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n'};

    /** How the response's content is delimited. */
    public enum Framing {
        /** No content follows (HEAD, 204, 304, or empty with content-length 0). */
        NONE,
        /** {@code content-length} octets follow. */
        LENGTH,
        /** Chunked coding follows. */
        CHUNKED,
        /** Content until the connection closes (HTTP/1.0 peers with unknown length). */
        UNTIL_CLOSE
    }

    private int dropped;

    /** @return fields left out of the last head for bad characters (not counting framing fields) */
    public int droppedFields() {
        return dropped;
    }

    /**
     * @param status the status code
     * @param headers the handler's fields
     * @param framing how the content is delimited
     * @param contentLength for {@link Framing#LENGTH} (and for HEAD answers, where {@code >= 0}
     *     is announced without content following), else -1
     * @param connection {@code close}, {@code keep-alive}, or null for no Connection field
     * @param date the Date field's value, or null
     * @param spare extra capacity left at the end of the buffer (for a small body to follow)
     * @return the head, ready to write (position 0), with {@code spare} bytes of room after its limit
     */
    public ByteBuffer head(int status, Headers headers, Framing framing, long contentLength, String connection,
                           String date, int spare) {
        dropped = 0;
        int estimate = 64 + spare + (date == null ? 0 : date.length() + 8);
        for (int i = 0; i < headers.size(); i++) {
            estimate += headers.name(i).length() + headers.value(i).length() + 4;
        }
        ByteBuffer out = ByteBuffer.allocate(estimate + 64);
        out.put(statusLine(status));
        if (date != null) {
            putAscii(out, "date: ");
            putAscii(out, date);
            out.put(CRLF);
        }
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (OWN_FIELDS.contains(name)) {
                continue;
            }
            String value = headers.value(i);
            if (!isSendable(name, value)) {
                dropped++;
                continue;
            }
            out = ensure(out, name.length() + value.length() + 4 + spare);
            putAscii(out, name);
            out.put((byte) ':').put((byte) ' ');
            putAscii(out, value);
            out.put(CRLF);
        }
        out = ensure(out, 64 + spare);
        switch (framing) {
            case LENGTH -> {
                putAscii(out, "content-length: ");
                putAscii(out, Long.toString(contentLength));
                out.put(CRLF);
            }
            case CHUNKED -> putAscii(out, "transfer-encoding: chunked\r\n");
            case NONE -> {
                if (contentLength >= 0) {
                    putAscii(out, "content-length: ");
                    putAscii(out, Long.toString(contentLength));
                    out.put(CRLF);
                }
            }
            case UNTIL_CLOSE -> {
                // the close delimits the content
            }
        }
        if (connection != null) {
            putAscii(out, "connection: ");
            putAscii(out, connection);
            out.put(CRLF);
        }
        out.put(CRLF);
        return out.flip();
    }

    /** @return the size line that goes before a chunk of {@code length} octets (not 0) */
    public static ByteBuffer chunkHeader(int length) {
        String hex = Integer.toHexString(length);
        ByteBuffer out = ByteBuffer.allocate(hex.length() + 2);
        putAscii(out, hex);
        out.put(CRLF);
        return out.flip();
    }

    /** @return the CRLF that ends a chunk's data */
    public static ByteBuffer chunkEnd() {
        return ByteBuffer.wrap(CRLF);
    }

    /** @return the last chunk with {@code trailers} (sendable ones only) and the final CRLF */
    public ByteBuffer lastChunk(Headers trailers) {
        int estimate = 8;
        for (int i = 0; i < trailers.size(); i++) {
            estimate += trailers.name(i).length() + trailers.value(i).length() + 4;
        }
        ByteBuffer out = ByteBuffer.allocate(estimate);
        out.put(LAST_CHUNK);
        for (int i = 0; i < trailers.size(); i++) {
            String name = trailers.name(i);
            String value = trailers.value(i);
            if (OWN_FIELDS.contains(name) || name.equals("content-length") || !isSendable(name, value)) {
                continue;
            }
            putAscii(out, name);
            out.put((byte) ':').put((byte) ' ');
            putAscii(out, value);
            out.put(CRLF);
        }
        out.put(CRLF);
        return out.flip();
    }

    /** @return a complete response head for an interim {@code 100 Continue} */
    public static ByteBuffer continueHead() {
        return ByteBuffer.wrap("HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** @return whether a field can be written without breaking the message (no CR, LF, NUL; a token name; Latin-1) */
    public static boolean isSendable(String name, String value) {
        if (!RequestDecoder.isToken(name)) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer ensure(ByteBuffer out, int more) {
        if (out.remaining() >= more) {
            return out;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + more));
        return bigger.put(out.flip());
    }

    private static void putAscii(ByteBuffer out, String text) {
        for (int i = 0; i < text.length(); i++) {
            out.put((byte) text.charAt(i));
        }
    }

    private static final byte[][] STATUS_LINES = new byte[600][];

    private static byte[] statusLine(int status) {
        byte[] line = status >= 0 && status < STATUS_LINES.length ? STATUS_LINES[status] : null;
        if (line == null) {
            line = ("HTTP/1.1 " + status + " " + reason(status) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (status >= 0 && status < STATUS_LINES.length) {
                STATUS_LINES[status] = line; // a benign race: every thread computes the same bytes
            }
        }
        return line;
    }

    /** @return the reason phrase for {@code status} (RFC 9110 §15), or a generic one */
    public static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 417 -> "Expectation Failed";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> status < 200 ? "Informational" : status < 300 ? "Success" : status < 400 ? "Redirection"
                    : status < 500 ? "Client Error" : "Server Error";
        };
    }
}
