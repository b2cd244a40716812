package dev.weft.http1.core;

import dev.weft.api.Headers;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a connection's bytes into {@link RequestEvent}s, one request at a time (RFC 9112).
 * Sans-IO: no socket, thread or clock; a pure function of the bytes and its own state.
 *
 * <p><b>Contract</b>: {@link #next} consumes what it used from {@code in} (advancing its
 * position) and returns one event, or {@code null} when it needs more bytes. Bytes it did not
 * consume (a partial head, a partial chunk-size line) must be presented again, followed by the
 * new ones. After {@link RequestEvent.End} it returns {@code null} until {@link #startNext()},
 * so that a pipelined request is not read before the previous one is answered. After
 * {@link RequestEvent.Malformed} it returns {@code null} for good.
 *
 * <p><b>Strictness</b> (the request smuggling defences, RFC 9112 §11.2): a bare LF or CR, an
 * obs-fold line, white space before a field's colon, Content-Length together with
 * Transfer-Encoding, more than one Content-Length, a Transfer-Encoding other than
 * {@code chunked}, a chunk size that is not hex or overflows, and a chunk not followed by CRLF
 * are all refused with 400, never guessed at.
 *
 * <p>Threading: one thread at a time (the connection's loop), which owns the state below and
 * the {@link SectionScanner}; the head grammar is in {@link HeadParser}, which holds no state.
 */
public final class RequestDecoder {
    private enum State { HEAD, LENGTH_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, END_PENDING, DONE, FAILED }

    /** How many empty lines before a request line are skipped (RFC 9112 §2.2 asks for at least one). */
    private static final int MAX_LEADING_EMPTY_LINES = 4;
    /** Fields in one head or trailer section; 16 KiB of 2-byte fields would otherwise be 4,000 entries. */
    static final int MAX_FIELDS = 256;
    /** The largest chunk size taken: 2^60 octets; more hex digits than that is an overflow. */
    private static final long MAX_CHUNK_SIZE = 1L << 60;

    private final Http1Limits limits;
    private State state = State.HEAD;
    private final SectionScanner scanner = new SectionScanner();
    private long remaining;
    private Headers pendingTrailers = Headers.empty();

    /** @param limits the bounds enforced */
    public RequestDecoder(Http1Limits limits) {
        this.limits = limits;
    }

    /** @return whether the decoder is between requests and has consumed nothing of the next one */
    public boolean isIdle() {
        return state == State.HEAD && scanner.scanned == 0;
    }

    /** @return whether the current request has been read to its end (or failed) */
    public boolean isRequestDone() {
        return state == State.DONE || state == State.FAILED;
    }

    /** @return whether the decoder refused the bytes */
    public boolean isFailed() {
        return state == State.FAILED;
    }

    /** Begins reading the next request after {@link RequestEvent.End}. */
    public void startNext() {
        if (state != State.DONE) {
            throw new IllegalStateException("the current request is not finished: " + state);
        }
        state = State.HEAD;
        scanner.reset();
    }

    /**
     * @param in the bytes received and not yet consumed
     * @return the next event, or {@code null} if more bytes are needed (or the request is done)
     */
    public RequestEvent next(ByteBuffer in) {
        try {
            return switch (state) {
                case HEAD -> head(in);
                case LENGTH_BODY -> lengthBody(in);
                case CHUNK_SIZE -> chunkSize(in);
                case CHUNK_DATA -> chunkData(in);
                case CHUNK_DATA_END -> chunkDataEnd(in);
                case TRAILERS -> trailers(in);
                case END_PENDING -> {
                    state = State.DONE;
                    Headers trailers = pendingTrailers;
                    pendingTrailers = Headers.empty();
                    yield new RequestEvent.End(trailers);
                }
                case DONE, FAILED -> null;
            };
        } catch (Refusal refusal) {
            state = State.FAILED;
            return new RequestEvent.Malformed(refusal.status, refusal.getMessage());
        }
    }

    // ------------------------------------------------------------------ head

    private RequestEvent head(ByteBuffer in) throws Refusal {
        skipLeadingEmptyLines(in);
        int length = scanner.scan(in, limits.maxHeaderSection(), limits.maxRequestLine());
        if (length < 0) {
            return null;
        }
        byte[] section = new byte[length];
        in.get(section);
        scanner.reset();
        RequestHead head = HeadParser.interpret(section);
        switch (head.framing()) {
            case NONE -> state = State.END_PENDING;
            case LENGTH -> {
                remaining = head.contentLength();
                state = State.LENGTH_BODY;
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
        }
        return new RequestEvent.Head(head);
    }

    private void skipLeadingEmptyLines(ByteBuffer in) throws Refusal {
        if (scanner.scanned != 0) {
            return;
        }
        for (int i = 0; i < MAX_LEADING_EMPTY_LINES && in.remaining() >= 1; i++) {
            byte first = in.get(in.position());
            if (first == '\n') {
                throw new Refusal(400, "bare LF before the request line");
            }
            if (first != '\r') {
                return;
            }
            if (in.remaining() < 2) {
                return;
            }
            if (in.get(in.position() + 1) != '\n') {
                throw new Refusal(400, "bare CR before the request line");
            }
            in.position(in.position() + 2);
        }
    }

    /** @return whether {@code text} is a non-empty RFC 9110 token */
    public static boolean isToken(String text) {
        return HeadParser.isToken(text);
    }

    /** @return whether {@code c} is an RFC 9110 tchar */
    public static boolean isTokenChar(int c) {
        return HeadParser.isTokenChar(c);
    }

    // ------------------------------------------------------------------ bodies

    private RequestEvent lengthBody(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return null;
        }
        int take = (int) Math.min(remaining, in.remaining());
        ByteBuffer slice = in.slice(in.position(), take);
        in.position(in.position() + take);
        remaining -= take;
        if (remaining == 0) {
            state = State.END_PENDING;
        }
        return new RequestEvent.Data(slice);
    }

    private RequestEvent chunkSize(ByteBuffer in) throws Refusal {
        int start = in.position();
        int limit = Math.min(in.limit(), start + limits.maxChunkLine());
        int lf = -1;
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                lf = i;
                break;
            }
        }
        if (lf < 0) {
            if (in.remaining() >= limits.maxChunkLine()) {
                throw new Refusal(400, "chunk-size line longer than " + limits.maxChunkLine() + " bytes");
            }
            return null;
        }
        if (lf == start || in.get(lf - 1) != '\r') {
            throw new Refusal(400, "bare LF in a chunk-size line");
        }
        int end = lf - 1;
        long size = 0;
        int i = start;
        for (; i < end; i++) {
            int digit = Character.digit(in.get(i), 16);
            if (digit < 0) {
                break;
            }
            if (size >= MAX_CHUNK_SIZE >>> 4) {
                throw new Refusal(400, "chunk size overflows");
            }
            size = (size << 4) | digit;
        }
        if (i == start) {
            throw new Refusal(400, "chunk size is not hexadecimal");
        }
        // After the digits: optional white space, then chunk extensions (";name=value"), ignored.
        while (i < end && (in.get(i) == ' ' || in.get(i) == '\t')) {
            i++;
        }
        if (i < end && in.get(i) != ';') {
            throw new Refusal(400, "chunk size is not hexadecimal");
        }
        for (; i < end; i++) {
            int c = in.get(i) & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new Refusal(400, "control character in a chunk extension");
            }
        }
        in.position(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return next(in);
    }

    private RequestEvent chunkData(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return null;
        }
        int take = (int) Math.min(remaining, in.remaining());
        ByteBuffer slice = in.slice(in.position(), take);
        in.position(in.position() + take);
        remaining -= take;
        if (remaining == 0) {
            state = State.CHUNK_DATA_END;
        }
        return new RequestEvent.Data(slice);
    }

    private RequestEvent chunkDataEnd(ByteBuffer in) throws Refusal {
        if (in.remaining() < 2) {
            if (in.hasRemaining() && in.get(in.position()) != '\r') {
                throw new Refusal(400, "chunk data not followed by CRLF");
            }
            return null;
        }
        if (in.get(in.position()) != '\r' || in.get(in.position() + 1) != '\n') {
            throw new Refusal(400, "chunk data not followed by CRLF");
        }
        in.position(in.position() + 2);
        state = State.CHUNK_SIZE;
        return next(in);
    }

    private RequestEvent trailers(ByteBuffer in) throws Refusal {
        if (scanner.scanned == 0 && in.remaining() >= 2 && in.get(in.position()) == '\r' && in.get(in.position() + 1) == '\n') {
            in.position(in.position() + 2);
            state = State.DONE;
            return new RequestEvent.End(Headers.empty());
        }
        int length = scanner.scan(in, limits.maxHeaderSection(), limits.maxHeaderSection());
        if (length < 0) {
            return null;
        }
        int start = in.position();
        List<String> lines = scanner.lines(in, start, length);
        in.position(start + length);
        scanner.reset();
        Headers.Builder fields = Headers.builder();
        List<String> all = new ArrayList<>(lines.size() + 1);
        all.add("");
        all.addAll(lines);
        HeadParser.parseFields(all, 1, fields);
        // Framing and routing fields have no business in trailers (RFC 9110 §6.5.1): dropped.
        fields.remove("content-length").remove("transfer-encoding").remove("host").remove("trailer");
        state = State.DONE;
        return new RequestEvent.End(fields.build());
    }

}
