package dev.weft.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A response: final status, header fields (lower-case names, no pseudo-headers), and content.
 *
 * <p>The server adds {@code content-length} when the content's length is known and the handler
 * did not set it. For a {@code HEAD} request the content is not sent.
 *
 * <p>Threading: immutable; a {@link Content.Streamed} source is pulled by one server thread.
 *
 * @param status the final status, 200..599 (informational responses are not handler business)
 * @param headers the header fields
 * @param content what follows the headers
 */
public record Response(int status, Headers headers, Content content) {

    /**
     * @throws IllegalArgumentException for a status outside 200..599, or a header field no HTTP
     *     version can send (a name that is not a token; a value with NUL, CR, LF or characters
     *     above U+00FF): refused here, where the handler sets it, never dropped on the wire
     */
    public Response {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("final status must be 200..599: " + status);
        }
        Objects.requireNonNull(headers, "headers is null").requireSendable("response header");
        Objects.requireNonNull(content, "content is null");
    }

    /** @return a response with no content */
    public static Response of(int status) {
        return new Response(status, Headers.empty(), Content.NONE);
    }

    /** @return 200 with {@code text} as {@code text/plain; charset=utf-8} */
    public static Response ok(String text) {
        return text(200, text);
    }

    /** @return {@code status} with {@code text} as {@code text/plain; charset=utf-8} */
    public static Response text(int status, String text) {
        return new Response(status, Headers.of("content-type", "text/plain; charset=utf-8"), Content.text(text));
    }

    /** @return {@code status} with {@code bytes} of {@code contentType} */
    public static Response bytes(int status, String contentType, byte[] bytes) {
        return new Response(status, Headers.of("content-type", contentType), Content.bytes(bytes));
    }

    /**
     * @return 200 with the whole file, sent zero-copy where the transport can
     * @throws IOException if the file's size cannot be read
     */
    public static Response file(Path path, String contentType) throws IOException {
        return new Response(200, Headers.of("content-type", contentType), Content.file(path));
    }

    /** @return {@code status} whose content is pulled from {@code source} */
    public static Response streamed(int status, Headers headers, Body source) {
        return new Response(status, headers, new Content.Streamed(source));
    }

    /** @return this response with one more header field */
    public Response withHeader(String name, String value) {
        return new Response(status, headers.with(name, value), content);
    }

    /** @return this response with other content */
    public Response withContent(Content newContent) {
        return new Response(status, headers, newContent);
    }
}
