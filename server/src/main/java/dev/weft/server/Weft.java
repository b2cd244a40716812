package dev.weft.server;

import com.google.inject.Module;
import dev.weft.api.BodyPolicy;
import dev.weft.api.Handler;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.EventLoop;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.MinDataRate;
import dev.weft.spi.OpenFileCache;
import dev.weft.spi.OpenFiles;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.tls.TlsConfig;
import dev.weft.tls.TlsLayer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Starts Weft servers: the entry point for embedding.
 *
 * <pre>{@code
 * try (WeftServer server = Weft.builder()
 *         .handler(new Router().get("/hello", request -> Response.ok("hi")))
 *         .transport("nio")
 *         .protocol("h2")
 *         .port(8080)
 *         .start()) {
 *     server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Threading: a builder belongs to one thread; {@link Builder#start()} may be called again to
 * start another server with the same settings.
 */
public final class Weft {
    static {
        GuiceQuiet.apply();
    }

    /**
     * Protocols tried first under {@code auto}; the first is the fallback. HTTP/1.1 comes after
     * h2 so that h2 keeps answering bytes nobody claims (its plain answer names what the port
     * speaks); their first bytes never overlap ({@code PRI } is not an HTTP/1.1 method).
     */
    private static final List<String> AUTO_PREFERENCE = List.of("h2", "wireproto", "http/1.1");

    /**
     * Default time a new connection has, under {@code auto}, to send enough bytes to tell its
     * protocol; a slowloris dribbling its first bytes is closed after it.
     */
    public static final Duration DEFAULT_DETECTION_TIMEOUT = Duration.ofSeconds(10);

    private Weft() {
    }

    /** @return a builder with the defaults: 127.0.0.1:8080, nio, auto, a loop per processor */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of one server. Not thread-safe. */
    public static final class Builder {
        private Handler handler;
        private String host = "127.0.0.1";
        private int port = 8080;
        private String transport = "nio";
        private String protocol = "auto";
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private Duration idleTimeout = TransportConfig.DEFAULT_IDLE_TIMEOUT;
        private int maxConnections = TransportConfig.DEFAULT_MAX_CONNECTIONS;
        private Duration detectionTimeout = DEFAULT_DETECTION_TIMEOUT;
        private int writeLowWatermark = TransportConfig.DEFAULT_LOW_WATERMARK;
        private int writeHighWatermark = TransportConfig.DEFAULT_HIGH_WATERMARK;
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private MinDataRate minDataRate = MinDataRate.DEFAULTS;
        private BodyPolicy bodyPolicy;
        private String bodyPolicyName = "default";
        private TlsConfig tls;
        private Duration handshakeTimeout = TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT;
        private final List<Module> overrides = new ArrayList<>();
        private ClassLoader classLoader = Weft.class.getClassLoader();
        private Plugins plugins;
        private ExchangeObserver observer = ExchangeObserver.NONE;
        private boolean reusePort;
        /** Null: each started server makes and owns an {@link OpenFileCache}. */
        private OpenFiles files;

        private Builder() {
        }

        /** @return this, serving {@code value} (required) */
        public Builder handler(Handler value) {
            handler = Objects.requireNonNull(value, "handler is null");
            return this;
        }

        /** @return this, listening on {@code value} (default 127.0.0.1) */
        public Builder host(String value) {
            host = Objects.requireNonNull(value, "host is null");
            return this;
        }

        /** @return this, listening on {@code value}; 0 picks a free port (default 8080) */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + value);
            }
            port = value;
            return this;
        }

        /** @return this, with the transport by name (default {@code nio}) */
        public Builder transport(String name) {
            transport = Objects.requireNonNull(name, "transport is null");
            return this;
        }

        /** @return this, with the protocol by name, or {@code auto} to detect per connection */
        public Builder protocol(String name) {
            protocol = Objects.requireNonNull(name, "protocol is null");
            return this;
        }

        /** @return this, with {@code count} event loops (default: available processors) */
        public Builder eventLoops(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("event loops must be >= 1: " + count);
            }
            eventLoops = count;
            return this;
        }

        /** @return this, closing connections idle for {@code value} (default 30 s) */
        public Builder idleTimeout(Duration value) {
            idleTimeout = Objects.requireNonNull(value, "idleTimeout is null");
            return this;
        }

        /** @return this, with a cap on open connections (default 10,000) */
        public Builder maxConnections(int count) {
            maxConnections = count;
            return this;
        }

        /** @return this, closing a connection whose protocol is not told within {@code value} under {@code auto} (default 10 s) */
        public Builder detectionTimeout(Duration value) {
            detectionTimeout = Objects.requireNonNull(value, "detectionTimeout is null");
            return this;
        }

        /**
         * @return this, with each connection's output watermarks: over {@code high} queued bytes
         *     it turns unwritable (handlers' writes wait), under {@code low} writable again
         *     (default 32 KiB / 64 KiB)
         */
        public Builder writeWatermarks(int low, int high) {
            if (low < 0 || high < low) {
                throw new IllegalArgumentException("need 0 <= low <= high watermark: " + low + ", " + high);
            }
            writeLowWatermark = low;
            writeHighWatermark = high;
            return this;
        }

        /** @return this, giving in-flight exchanges {@code value} to finish on stop (default 10 s) */
        public Builder shutdownGrace(Duration value) {
            shutdownGrace = Objects.requireNonNull(value, "shutdownGrace is null");
            return this;
        }

        /**
         * @return this, with the slowest request bodies and response reading accepted (default
         *     {@link MinDataRate#DEFAULTS}: 240 B/s over 5 s; {@link MinDataRate#OFF} turns it off)
         */
        public Builder minDataRate(MinDataRate value) {
            minDataRate = Objects.requireNonNull(value, "minDataRate is null");
            return this;
        }

        /** @return this, with the default body policy for every request (else the bound "default") */
        public Builder bodyPolicy(BodyPolicy value) {
            bodyPolicy = Objects.requireNonNull(value, "bodyPolicy is null");
            return this;
        }

        /** @return this, with the default body policy chosen by name among the bound ones */
        public Builder bodyPolicy(String name) {
            bodyPolicyName = Objects.requireNonNull(name, "name is null");
            bodyPolicy = null;
            return this;
        }

        /**
         * Serves TLS on this listener ({@code https://}): the handshake's ALPN picks the protocol
         * among those served that have an ALPN id ({@code h2}, {@code http/1.1}); a client
         * offering no ALPN gets the protocol detected from its first decrypted bytes, as on a
         * cleartext port (so a prior-knowledge HTTP/2 client gets {@code h2}). Files are then
         * read and encrypted in user space instead of {@code sendfile}.
         *
         * @param config credentials: {@link TlsConfig#fromPem}, {@link TlsConfig#selfSigned()}, or
         *     {@code null} for cleartext (the default)
         * @return this
         */
        public Builder tls(TlsConfig config) {
            tls = config;
            return this;
        }

        /** @return this, closing a TLS connection whose handshake is not done within {@code value} (default 10 s) */
        public Builder tlsHandshakeTimeout(Duration value) {
            handshakeTimeout = Objects.requireNonNull(value, "handshakeTimeout is null");
            return this;
        }

        /**
         * @return this, with SO_REUSEPORT on the listening socket (default off): several servers
         *     that all set it may listen on one port, the kernel spreading connections among them
         */
        public Builder reusePort(boolean value) {
            reusePort = value;
            return this;
        }

        /** @return this, telling {@code value} about every exchange and tripped defence (access log, metrics) */
        public Builder observer(ExchangeObserver value) {
            observer = Objects.requireNonNull(value, "observer is null");
            return this;
        }

        /**
         * @return this, opening file responses through {@code value}, which the caller owns and
         *     closes after the server stops (default: each started server makes its own
         *     {@link OpenFileCache} and closes it when it stops; {@link OpenFiles#UNCACHED} opens
         *     every file afresh)
         */
        public Builder openFiles(OpenFiles value) {
            files = Objects.requireNonNull(value, "files is null");
            return this;
        }

        /** @return this, with Guice modules whose bindings override the plugins' */
        public Builder override(Module... modules) {
            overrides.addAll(Arrays.asList(modules));
            plugins = null;
            return this;
        }

        /** @return this, finding plugins with {@code loader} instead of Weft's own class loader */
        public Builder classLoader(ClassLoader loader) {
            classLoader = Objects.requireNonNull(loader, "loader is null");
            plugins = null;
            return this;
        }

        /** @return the plugins these settings see (loaded once per builder) */
        public Plugins plugins() {
            if (plugins == null) {
                plugins = Plugins.load(classLoader, overrides);
            }
            return plugins;
        }

        /**
         * @return the context each connection's protocol gets (handler, default body policy, a
         *     virtual thread per handler call), for carriers outside a transport such as stdio
         */
        public ProtocolContext protocolContext() {
            Objects.requireNonNull(handler, "a handler is required: Weft.builder().handler(...)");
            BodyPolicy policy = bodyPolicy != null ? bodyPolicy : plugins().bodyPolicy(bodyPolicyName);
            ThreadFactory handlerThreads = Thread.ofVirtual().name("weft-handler").factory(); // one builder, not one per request
            Executor perTask = task -> handlerThreads.newThread(task).start();
            return new ProtocolContext(handler, policy, perTask, shutdownGrace, minDataRate, observer,
                    files != null ? files : OpenFiles.UNCACHED);
        }

        /**
         * Binds and starts serving.
         *
         * @return the running server
         * @throws WeftStartupException for a name nobody provides, an unavailable plugin, a port
         *     in use: one line, with the way out
         */
        public WeftServer start() {
            OpenFileCache ownFiles = files == null ? OpenFileCache.create() : null;
            try {
                return start(ownFiles == null ? protocolContext() : protocolContext().withFiles(ownFiles), ownFiles);
            } catch (RuntimeException e) {
                if (ownFiles != null) {
                    ownFiles.close();
                }
                throw e;
            }
        }

        private WeftServer start(ProtocolContext context, OpenFileCache ownFiles) {
            Plugins bound = plugins();
            Transport chosenTransport = bound.transport(transport);
            List<Protocol> protocols = protocolsFor(bound);
            ConnectionInitializer cleartext = protocols.size() == 1
                    ? connection -> protocols.getFirst().open(connection, context)
                    : connection -> new ProtocolDetector(connection, protocols, context, detectionTimeout);
            TlsLayer tlsLayer = tls == null ? null : tlsLayer(protocols);
            ConnectionInitializer chosen = tlsLayer == null ? cleartext : secured(tlsLayer, protocols, cleartext, context);
            // The loops are learnt from the connections they serve (the metrics probe their lag).
            Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
            ConnectionInitializer initializer = connection -> {
                loops.add(connection.eventLoop());
                return chosen.initialize(connection);
            };
            InetSocketAddress address = new InetSocketAddress(host, port);
            TransportConfig config = TransportConfig.of(address)
                    .withEventLoops(eventLoops)
                    .withIdleTimeout(idleTimeout)
                    .withMaxConnections(maxConnections)
                    .withWatermarks(writeLowWatermark, writeHighWatermark)
                    .withReusePort(reusePort);
            TransportServer server;
            try {
                server = chosenTransport.start(config, initializer);
            } catch (BindException e) {
                throw new WeftStartupException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                        + " (is another server running? choose another --port)", e);
            } catch (IOException e) {
                throw new WeftStartupException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
            } catch (IllegalStateException e) {
                throw new WeftStartupException(e.getMessage(), e);
            }
            return new WeftServer(server, transport, protocols.stream().map(Protocol::name).toList(), shutdownGrace, context,
                    loops, tlsLayer, ownFiles);
        }

        /** ALPN offers the served protocols' ids in their order of preference (h2 first). */
        private TlsLayer tlsLayer(List<Protocol> protocols) {
            List<String> ids = new ArrayList<>();
            for (Protocol candidate : protocols) {
                candidate.alpnId().filter(id -> !ids.contains(id)).ifPresent(ids::add);
            }
            return new TlsLayer(tls, ids, handshakeTimeout);
        }

        private static ConnectionInitializer secured(TlsLayer layer, List<Protocol> protocols, ConnectionInitializer cleartext,
                                                     ProtocolContext context) {
            Map<String, Protocol> byAlpn = new LinkedHashMap<>();
            for (Protocol candidate : protocols) {
                candidate.alpnId().ifPresent(id -> byAlpn.putIfAbsent(id, candidate));
            }
            return layer.wrap((connection, alpn) -> {
                if (alpn.isEmpty()) {
                    return cleartext.initialize(connection); // no ALPN: detected from the first bytes
                }
                Protocol chosen = byAlpn.get(alpn);
                if (chosen == null) {
                    throw new IllegalStateException("ALPN agreed on '" + alpn + "', which no protocol here serves");
                }
                return chosen.open(connection, context);
            });
        }

        private List<Protocol> protocolsFor(Plugins bound) {
            if (!protocol.equals("auto")) {
                return List.of(bound.protocol(protocol));
            }
            List<Protocol> available = new ArrayList<>(bound.protocols().values().stream()
                    .filter(p -> p.availability().available()).toList());
            if (available.isEmpty()) {
                throw new WeftStartupException("no protocol plugin is on the class path (add weft-framing-http2 or weft-framing-wireproto)");
            }
            available.sort(Comparator.comparingInt(p -> {
                int rank = AUTO_PREFERENCE.indexOf(p.name());
                return rank < 0 ? AUTO_PREFERENCE.size() : rank;
            }));
            return List.copyOf(available);
        }
    }
}
