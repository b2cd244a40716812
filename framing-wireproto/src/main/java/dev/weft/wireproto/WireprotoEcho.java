package dev.weft.wireproto;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.Handler;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The demo {@code echo} command, as a plain handler for {@code POST /echo}: answers the
 * request body (the command data) if it has any, else the {@code msg} argument's exact bytes
 * (for HTTP/2, the {@code msg} header), else nothing. The body is streamed back, never held
 * whole. Over HTTP/2 it echoes a body the same way.
 *
 * <p>Threading: stateless.
 */
public final class WireprotoEcho implements Handler {
    @Override
    public Response handle(Request request) throws IOException {
        Body body = request.takeBody();
        StreamContent first = body.next();
        Headers type = Headers.of("content-type", "application/octet-stream");
        if (first instanceof StreamContent.Data data) {
            return Response.streamed(200, type, new Body() {
                private StreamContent pending = data;

                @Override
                public StreamContent next() throws IOException {
                    if (pending != null) {
                        StreamContent chunk = pending;
                        pending = null;
                        return chunk;
                    }
                    return body.next();
                }

                @Override
                public OptionalLong contentLength() {
                    return body.contentLength();
                }

                @Override
                public void close() {
                    body.close();
                }
            });
        }
        body.close();
        return Response.bytes(200, "application/octet-stream", message(request));
    }

    /**
     * The {@code msg} argument's exact bytes; for a request without command arguments (HTTP/2),
     * the {@code msg} header's. HTTP/2 header values are octets that Weft's HPACK decoder maps
     * one to one onto ISO-8859-1 characters, so encoding back that way gives the bytes sent.
     */
    private static byte[] message(Request request) {
        if (!request.arguments().isEmpty()) {
            byte[] argument = request.arguments().bytes("msg");
            return argument == null ? new byte[0] : argument;
        }
        String header = request.headers().get("msg");
        return header == null ? new byte[0] : header.getBytes(StandardCharsets.ISO_8859_1);
    }
}
