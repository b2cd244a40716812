package dev.weft.api;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * A request as a handler sees it, whatever protocol carried it.
 *
 * <p><b>The body is taken, not held</b> (seed 001): {@link #takeBody()} hands the body to the
 * first caller and leaves an empty one behind, so nothing keeps a consumed body alive. The
 * trade-off: a second reader (a logging filter after the handler, a router falling through)
 * sees nothing unless the first one {@linkplain #putBackBody(Body) puts an untouched body
 * back}. That is deliberate: holding every body for every possible later reader is the space
 * leak the seed describes.
 *
 * <p>Threading: called from the handler's virtual thread. {@link #takeBody()} and
 * {@link #putBackBody(Body)} are atomic, so a filter on another thread cannot race the handler
 * for the body.
 */
public interface Request {

    /** @return the method, upper case as sent ({@code GET}, {@code POST}, ...) */
    String method();

    /** @return the path without the query, e.g. {@code /files/a.txt} */
    String path();

    /** @return the raw query string without {@code ?}, or the empty string */
    String query();

    /** @return the {@code :authority} (or {@code host}), or the empty string */
    String authority();

    /** @return {@code http} or {@code https} */
    String scheme();

    /** @return the protocol that carried the request: {@code h2}, {@code wireproto}, ... */
    String protocol();

    /** @return the request's header fields, ordered, lower-case names, no pseudo-headers */
    Headers headers();

    /**
     * The command's arguments as exact bytes: a wireproto command's arguments (which
     * {@link #headers()} also carries, decoded as UTF-8 text for convenience, lossy for bytes
     * that are not UTF-8). Protocols without command arguments (HTTP/2) have none here.
     *
     * @return the arguments, in the order sent; empty if the protocol has none
     */
    default CommandArguments arguments() {
        return CommandArguments.empty();
    }

    /** @return the peer's address, or {@code null} where the carrier has none (stdio) */
    InetSocketAddress remoteAddress();

    /**
     * @return values bound by the router's path pattern ({@code /users/{id}} gives {@code id});
     *     empty outside a router
     */
    default Map<String, String> pathParameters() {
        return Map.of();
    }

    /**
     * Takes the body. The first call gets it; later calls get an empty body until someone
     * {@linkplain #putBackBody(Body) puts one back}.
     *
     * @return the body, to be read once
     */
    Body takeBody();

    /** @return whether a body is waiting to be taken (peeking does not take it) */
    boolean hasBody();

    /**
     * Puts a body back so the next {@link #takeBody()} gets it: for the rare router that falls
     * through after looking at a body it has not read from (or that replays what it read).
     *
     * @param body an untouched (or replaying) body
     * @throws IllegalStateException if a body is already waiting
     */
    void putBackBody(Body body);

    /** @return the quotas for parsing this request's body as a form */
    BodyPolicy bodyPolicy();

    /**
     * @return resources closed when this exchange ends, however it ends (response sent,
     *     stream reset, disconnect): register temp files and open channels here
     */
    ExchangeResources resources();

    /** @return a builder for a request, for protocol implementations and tests */
    static BasicRequest.Builder builder() {
        return BasicRequest.builder();
    }
}
