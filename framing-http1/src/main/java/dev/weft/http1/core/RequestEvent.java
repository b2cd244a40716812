package dev.weft.http1.core;

import dev.weft.api.Headers;
import java.nio.ByteBuffer;

/** What {@link RequestDecoder#next} found in the bytes: one exchange is a head, data, then an end. */
public sealed interface RequestEvent permits RequestEvent.Head, RequestEvent.Data, RequestEvent.End,
        RequestEvent.Malformed {

    /** A request's head; its body (possibly empty) follows. */
    record Head(RequestHead head) implements RequestEvent {
    }

    /**
     * Body octets (de-chunked).
     *
     * @param bytes a view into the caller's input buffer, valid until the caller reuses it: copy it
     */
    record Data(ByteBuffer bytes) implements RequestEvent {
    }

    /**
     * The request is complete.
     *
     * @param trailers a chunked body's trailer fields, else empty
     */
    record End(Headers trailers) implements RequestEvent {
    }

    /**
     * The bytes break RFC 9112; the decoder stops. The connection must answer {@code status} and
     * close: after a framing error nothing later on the connection can be trusted (request
     * smuggling).
     *
     * @param status 400, 414, 431, 501 or 505
     * @param reason one line saying which rule was broken
     */
    record Malformed(int status, String reason) implements RequestEvent {
    }
}
