package dev.weft.wireproto;

import dev.weft.api.Handler;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wireproto carried inside HTTP (mount at {@code POST /wireproto}): the request body is a
 * stream of frames, the response body the frames answering them. The content type names the
 * revision: {@value #CONTENT_TYPE}, or {@value #CONTENT_TYPE_0002} (request ids: the commands
 * of one request run side by side); the response has the same type. Half duplex by default,
 * as HTTP/1-style clients need: answers are held until the request body ends.
 *
 * <p>Each request gets its own session on a task of the context's executor; the response is
 * returned at once and its body streams from a bounded pipe as the session writes.
 *
 * <p>Threading: stateless but for its settings; safe from any thread.
 */
public final class WireprotoOverHttpHandler implements Handler {
    /** The media type of revision {@code 0001} wireproto frames over HTTP. */
    public static final String CONTENT_TYPE = "application/mercurial-exp-framing-0001";
    /** The media type of revision {@code 0002} wireproto frames (with request ids) over HTTP. */
    public static final String CONTENT_TYPE_0002 = "application/mercurial-exp-framing-0002";
    private static final Logger LOG = LoggerFactory.getLogger(WireprotoOverHttpHandler.class);
    private static final long PIPE_CAPACITY = 256 * 1024;

    private final ProtocolContext commands;
    private final WireprotoLimits limits;
    private final ServerReactor.OutputMode mode;

    /**
     * @param commands serves the commands ({@code POST /<command>}); usually the server's router
     */
    public WireprotoOverHttpHandler(ProtocolContext commands) {
        this(commands, WireprotoLimits.defaults(), ServerReactor.OutputMode.DEFERRED);
    }

    /**
     * @param commands serves the commands
     * @param limits the bounds per request
     * @param mode {@code DEFERRED} (half duplex, the default) or {@code STREAMING}
     */
    public WireprotoOverHttpHandler(ProtocolContext commands, WireprotoLimits limits, ServerReactor.OutputMode mode) {
        this.commands = Objects.requireNonNull(commands, "commands is null");
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.mode = Objects.requireNonNull(mode, "mode is null");
    }

    @Override
    public Response handle(Request request) {
        String type = request.headers().get("content-type");
        String bare = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        FramingRevision revision = FramingRevision.fromMediaType(bare).orElse(null);
        if (revision == null) {
            return Response.text(415, "wireproto over HTTP needs content-type " + CONTENT_TYPE + " or "
                    + CONTENT_TYPE_0002 + "\n");
        }
        InputStream in = request.takeBody().asInputStream();
        FramePipe pipe = new FramePipe(PIPE_CAPACITY);
        commands.handlerExecutor().execute(() -> {
            try (InputStream input = in; OutputStream out = pipe.output()) {
                new StreamSession(commands, limits, revision, mode, input, out, request.remoteAddress()).run();
            } catch (IOException e) {
                LOG.debug("wireproto over HTTP from {} ended: {}", request.remoteAddress(), e.toString());
                pipe.fail(e);
            }
        });
        return Response.streamed(200, Headers.of("content-type", revision.mediaType()), pipe.body());
    }
}
