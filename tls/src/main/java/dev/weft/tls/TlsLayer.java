package dev.weft.tls;

import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ConnectionInitializer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * TLS between a transport and a protocol: {@link #wrap} turns the initializer a protocol would
 * give a transport into one that first runs a TLS handshake through the JDK's
 * {@link javax.net.ssl.SSLEngine}, then hands the protocol a {@link Connection} whose reads are
 * decrypted and whose writes are encrypted. Any transport (it sees only ciphertext) and any
 * protocol (it sees only plaintext) work unchanged.
 *
 * <p><b>ALPN</b> (RFC 7301): the server offers {@link #alpnIds()} in its order of preference and
 * picks the first one the client offers. A client offering only ids not served here gets the
 * {@code no_application_protocol} alert and a closed connection. A client offering no ALPN at all
 * gets {@code ""}, and the application decides (Weft's bootstrap then detects the protocol from
 * the first decrypted bytes, as on a cleartext port).
 *
 * <p><b>Bad input</b>: a handshake that fails (garbage bytes, no shared cipher, a refused ALPN)
 * is logged in one line and answered with the engine's alert, then the connection closes; bytes
 * that look like a cleartext HTTP request get a plain HTTP/1.1 400 saying this port speaks TLS.
 * A handshake not done within the timeout is closed.
 *
 * <p><b>Files</b>: under TLS a file region is read and encrypted on the event loop (no
 * {@code sendfile}): {@link Connection#zeroCopyFiles()} is false on the secured connection.
 *
 * <p>Threading: immutable and thread-safe; each connection's TLS state is confined to its loop.
 */
public final class TlsLayer {
    /** A handshake slower than this is a slowloris or a broken client: 10 s. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** What a secured connection is handed to once its handshake has agreed a protocol. */
    @FunctionalInterface
    public interface Application {
        /**
         * Called on the connection's loop when the handshake is done; must not block.
         *
         * @param secured the decrypted connection
         * @param alpn the ALPN id agreed, or {@code ""} when the client offered no ALPN
         * @return the handler of the decrypted bytes
         */
        ConnectionHandler open(Connection secured, String alpn);
    }

    private final TlsConfig config;
    private final List<String> alpnIds;
    private final Duration handshakeTimeout;

    /**
     * @param config the certificate and engine settings
     * @param alpnIds the ALPN ids served, in order of preference (may be empty: no ALPN offered)
     * @param handshakeTimeout how long a new connection has to finish its handshake
     */
    public TlsLayer(TlsConfig config, List<String> alpnIds, Duration handshakeTimeout) {
        this.config = Objects.requireNonNull(config, "config is null");
        this.alpnIds = List.copyOf(Objects.requireNonNull(alpnIds, "alpnIds is null"));
        this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout, "handshakeTimeout is null");
    }

    /** @return the ALPN ids offered, in order of preference */
    public List<String> alpnIds() {
        return alpnIds;
    }

    /** @return the credentials and engine settings */
    public TlsConfig config() {
        return config;
    }

    /**
     * @param application opens the protocol once the handshake is done
     * @return an initializer for a transport: each connection runs TLS, then {@code application}
     */
    public ConnectionInitializer wrap(Application application) {
        Objects.requireNonNull(application, "application is null");
        return raw -> new TlsSession(raw, config.newEngine(), alpnIds, application, handshakeTimeout);
    }
}
