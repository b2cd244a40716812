package dev.weft.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A framing protocol ({@code h2}, {@code wireproto}): turns a connection's bytes into requests
 * for the application's handler and its responses back into bytes. Contributed by a plugin under
 * a name ({@link WeftBindings#protocols}).
 *
 * <p>Threading: {@link #detect} and {@link #open} are called on the connection's event loop and
 * must not block; the returned handler is confined to that loop.
 */
public interface Protocol {

    /** @return the name it is chosen by */
    String name();

    /** @return one line for {@code weft plugins} */
    default String description() {
        return name();
    }

    /** @return whether it can run here, and if not why */
    default Availability availability() {
        return Availability.availableHere();
    }

    /**
     * The protocol's ALPN id (RFC 7301), by which a TLS client asks for it during the handshake:
     * {@code h2}, {@code http/1.1}. A TLS listener offers the ids of its protocols and hands the
     * decrypted connection to the one the client picked. The default has none: such a protocol
     * is reached over TLS only by a client that offers no ALPN at all.
     *
     * @return the id, or empty
     */
    default Optional<String> alpnId() {
        return Optional.empty();
    }

    /**
     * Looks at a new connection's first bytes for {@code --protocol auto}.
     *
     * @param prefix the bytes received so far (a read-only view; do not keep it)
     * @return whether they start this protocol, cannot, or are too few to tell
     */
    PrefaceMatch detect(ByteBuffer prefix);

    /**
     * Starts serving a connection.
     *
     * @param connection the connection, confined to its loop
     * @param context the application's handler and the server's settings
     * @return the connection's handler
     */
    ConnectionHandler open(Connection connection, ProtocolContext context);

    /**
     * Serves one peer over a pair of byte streams (stdio, like {@code hg serve --stdio}) until
     * end of input. Optional: the default says the protocol has no stream carrier.
     *
     * @param in the peer's bytes
     * @param out our answers; flushed as they are produced or at end of input, as the protocol
     *     requires of a half-duplex carrier
     * @param context the application's handler and the server's settings
     * @throws IOException if the streams fail
     * @throws UnsupportedOperationException if this protocol has no stream carrier
     */
    default void serveStreams(InputStream in, OutputStream out, ProtocolContext context) throws IOException {
        throw new UnsupportedOperationException("protocol " + name() + " cannot be served over stdio");
    }
}
