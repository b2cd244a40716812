package dev.weft.api;

/**
 * Serves one request.
 *
 * <p>Threading: called on a virtual thread owned by the server, one per request stream. The
 * handler may block (reading the body, sleeping, calling other services); a peer's RST_STREAM
 * or disconnect interrupts that thread, so blocking calls raise {@link InterruptedException} or
 * an {@link java.io.IOException} and the handler should simply let them propagate.
 *
 * <p>A handler that throws gets a 500 answer (or a stream reset if the response headers already
 * went out); the stack trace is logged, never sent.
 */
@FunctionalInterface
public interface Handler {
    /**
     * Handles {@code request}.
     *
     * @param request the request; its body is taken with {@link Request#takeBody()}
     * @return the response, never {@code null}
     * @throws Exception anything: answered as 500 and logged with the stream id
     */
    Response handle(Request request) throws Exception;
}
