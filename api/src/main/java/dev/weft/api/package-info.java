/**
 * The Weft request-handler API: what a handler author sees, and nothing else.
 *
 * <p>A {@link dev.weft.api.Handler} takes a {@link dev.weft.api.Request} and returns a
 * {@link dev.weft.api.Response}. Handlers run on virtual threads, one per request (per HTTP/2
 * stream, per wireproto command); they may block on reading the request body and on the server
 * pulling response content. Flow control, framing and transports are hidden below this API.
 *
 * <p>This package has no Guice types: a user who only writes handlers needs no Guice code.
 */
package dev.weft.api;
