package dev.weft.http1;

import com.google.inject.Provider;
import dev.weft.http1.core.Http1Limits;
import dev.weft.http1.core.RequestDecoder;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Protocol {@code http/1.1} (its name is its ALPN id): HTTP/1.1 and HTTP/1.0 over a connection
 * (RFC 9112), every request served by the application's handler on a virtual thread of its
 * own, with keep-alive, pipelining answered in order, chunked bodies both ways, trailers,
 * {@code Expect: 100-continue}, and {@code Upgrade: h2c} (RFC 7540 §3.2) handing the connection
 * to the protocol named {@code h2} when one is bound.
 *
 * <p>Limits: the request head is bounded by the body policy's {@code maxHeader}
 * ({@code --max-header}, default 16 KiB; over it 431), the request line by 8 KiB (414).
 *
 * <p>Threading: immutable; {@link #open} makes one {@link Http1Connection} per connection,
 * confined to its loop.
 */
public final class Http1Protocol implements Protocol {
    /** The name it is chosen by, which is also its ALPN protocol id (RFC 7301). */
    public static final String NAME = "http/1.1";
    /** The protocol an {@code Upgrade: h2c} request switches to. */
    static final String H2 = "h2";

    private final Function<String, Protocol> protocols;

    /** @param protocols every bound protocol by name (for {@code h2c}); read lazily, on the first upgrade */
    @Inject
    public Http1Protocol(Provider<Map<String, Protocol>> protocols) {
        this(name -> protocols.get().get(name));
    }

    /** @param protocols finds another protocol by name, or returns null (for {@code h2c}) */
    public Http1Protocol(Function<String, Protocol> protocols) {
        this.protocols = Objects.requireNonNull(protocols, "protocols is null");
    }

    /** @return a protocol that refuses to upgrade (no h2 to hand over to) */
    public static Http1Protocol withoutUpgrade() {
        return new Http1Protocol(name -> null);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "http/1.1: HTTP/1.1 and 1.0 (RFC 9112), keep-alive, pipelining, chunked, Upgrade: h2c";
    }

    /**
     * Says yes to a method token followed by a space ({@code GET }, {@code POST }), no to
     * anything else, and no to {@code PRI }, which starts the HTTP/2 preface.
     */
    @Override
    public PrefaceMatch detect(ByteBuffer prefix) {
        int start = prefix.position();
        int available = prefix.remaining();
        for (int i = 0; i < available; i++) {
            int c = prefix.get(start + i) & 0xff;
            if (c == ' ') {
                if (i == 0) {
                    return PrefaceMatch.NO;
                }
                boolean pri = i == 3 && prefix.get(start) == 'P' && prefix.get(start + 1) == 'R' && prefix.get(start + 2) == 'I';
                return pri ? PrefaceMatch.NO : PrefaceMatch.YES;
            }
            if (!RequestDecoder.isTokenChar(c) || i >= 20) {
                return PrefaceMatch.NO;
            }
        }
        return PrefaceMatch.NEED_MORE;
    }

    @Override
    public ConnectionHandler open(Connection connection, ProtocolContext context) {
        return new Http1Connection(connection, context, Http1Limits.forMaxHeader(context.bodyPolicy().maxHeader()),
                protocols);
    }
}
