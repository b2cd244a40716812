package dev.weft.http2;

import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * Protocol {@code h2}: HTTP/2 over cleartext TCP with prior knowledge (RFC 9113 §3.3), every
 * request served by the application's handler on a virtual thread of its own.
 *
 * <p>Threading: immutable; {@link #open} makes one {@link Http2Session} per connection, confined
 * to its loop.
 */
public final class Http2Protocol implements Protocol {
    /** The name it is chosen by. */
    public static final String NAME = "h2";

    private final Http2Settings settings;

    /** @param settings what to advertise and enforce */
    @Inject
    public Http2Protocol(Http2Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
    }

    /** @return a protocol with {@link Http2Settings#defaults()} */
    public static Http2Protocol withDefaults() {
        return new Http2Protocol(Http2Settings.defaults());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "h2: HTTP/2 with prior knowledge (RFC 9113, HPACK RFC 7541)";
    }

    /** {@code h2}: HTTP/2 over TLS (RFC 9113 §3.2). */
    @Override
    public Optional<String> alpnId() {
        return Optional.of(NAME);
    }

    /** @return the settings in force */
    public Http2Settings settings() {
        return settings;
    }

    @Override
    public PrefaceMatch detect(ByteBuffer prefix) {
        byte[] preface = ServerConnection.PREFACE;
        int available = Math.min(prefix.remaining(), preface.length);
        for (int i = 0; i < available; i++) {
            if (prefix.get(prefix.position() + i) != preface[i]) {
                return PrefaceMatch.NO;
            }
        }
        return available == preface.length ? PrefaceMatch.YES : PrefaceMatch.NEED_MORE;
    }

    @Override
    public ConnectionHandler open(Connection connection, ProtocolContext context) {
        return new Http2Session(connection, context, settings);
    }
}
