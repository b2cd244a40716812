package dev.weft.server.cli;

import static dev.weft.server.cli.ServeSetting.*;

import dev.weft.api.BodyPolicy;
import dev.weft.body.TempDirectory;
import dev.weft.http2.Http2Settings;
import dev.weft.server.Weft;
import dev.weft.server.WeftServer;
import dev.weft.server.WeftStartupException;
import dev.weft.server.demo.DemoRoutes;
import dev.weft.server.observe.AccessLog;
import dev.weft.server.observe.AdminServer;
import dev.weft.server.observe.WeftMetrics;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.MinDataRate;
import dev.weft.spi.OpenFileCache;
import dev.weft.tls.TlsConfig;
import dev.weft.tls.TlsConfigException;
import dev.weft.wireproto.FramingRevision;
import dev.weft.wireproto.WireprotoLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code weft serve}: the demo server, until SIGTERM or Ctrl-C stops it gracefully. */
final class ServeCommand {
    private static final Logger LOG = LoggerFactory.getLogger("weft");

    private ServeCommand() {
    }

    static int run(ServeConfig config, PrintStream out) {
        Path root = config.text(ROOT).map(Path::of).orElseGet(ServeCommand::defaultRoot);
        Http2Settings h2 = http2Settings(config);
        WireprotoLimits wireproto = wireprotoLimits(config);
        FramingRevision revision = wireprotoRevision(config.text(WIREPROTO_REVISION).orElseThrow());
        int high = config.intSize(WRITE_HIGH_WATERMARK);
        int low = config.intSize(WRITE_LOW_WATERMARK);
        if (low > high) {
            throw new UsageException(WRITE_LOW_WATERMARK.flag() + " (" + low + ") must not exceed "
                    + WRITE_HIGH_WATERMARK.flag() + " (" + high + ")");
        }
        Duration grace = config.seconds(SHUTDOWN_GRACE);
        Weft.Builder builder = Weft.builder()
                .override(binder -> {
                    binder.bind(Http2Settings.class).toInstance(h2);
                    binder.bind(WireprotoLimits.class).toInstance(wireproto);
                    binder.bind(FramingRevision.class).toInstance(revision);
                })
                .host(config.text(HOST).orElseThrow())
                .port(config.whole(PORT))
                .transport(config.text(TRANSPORT).orElseThrow())
                .protocol(config.text(PROTOCOL).orElseThrow())
                .eventLoops(config.whole(LOOPS, Runtime.getRuntime().availableProcessors()))
                .idleTimeout(config.seconds(IDLE_TIMEOUT))
                .maxConnections(config.whole(MAX_CONNECTIONS))
                .reusePort(config.on(REUSE_PORT))
                .detectionTimeout(config.seconds(DETECTION_TIMEOUT))
                .writeWatermarks(low, high)
                .minDataRate(minDataRate(config))
                .shutdownGrace(grace);
        AccessLog accessLog = config.on(ACCESS_LOG) ? new AccessLog() : null;
        WeftMetrics metrics = config.isSet(ADMIN_PORT) ? new WeftMetrics() : null;
        builder.observer(ExchangeObserver.all(Arrays.asList(accessLog, metrics)));
        BodyPolicy quotas = bodyPolicy(config, builder.plugins().bodyPolicy("default"));
        builder.tls(Tls.config(config));
        if (!Files.isDirectory(root)) {
            throw new WeftStartupException("root folder " + root.toAbsolutePath() + " does not exist or is not a folder (--root)");
        }
        // Every setting is checked before anything is created on disk.
        TempDirectory temp = openTempDirectory(config.text(TMP_DIR));
        // One cache for the /files route's look-ups and the protocols' opens; closed after the stop.
        OpenFileCache files = OpenFileCache.create();
        WeftServer server;
        try {
            server = builder.handler(DemoRoutes.create(root, temp, files))
                    .openFiles(files)
                    .bodyPolicy(quotas.withTempDirectory(temp.runDirectory()))
                    .start();
        } catch (RuntimeException e) {
            files.close();
            temp.close();
            if (accessLog != null) {
                accessLog.close();
            }
            throw e;
        }
        AdminServer admin = null;
        if (metrics != null) {
            metrics.bind(server);
            String adminHost = config.text(ADMIN_HOST).orElseThrow();
            int adminPort = config.whole(ADMIN_PORT, 0);
            try {
                admin = AdminServer.start(new InetSocketAddress(adminHost, adminPort), metrics, server::isDraining);
            } catch (IOException | RuntimeException e) {
                server.stop(Duration.ZERO).join();
                files.close();
                temp.close();
                metrics.close();
                throw new WeftStartupException("cannot listen on " + adminHost + ":" + adminPort + " for the admin port: "
                        + e.getMessage() + " (choose another --admin-port)", e);
            }
        }
        AdminServer adminServer = admin;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("weft-stop").unstarted(() -> {
            long begin = System.nanoTime();
            int connections = server.connectionCount();
            String exchanges = metrics == null ? "" : " and " + metrics.activeExchanges() + " exchange(s)";
            LOG.info("stopping: GOAWAY to {} connection(s){} in flight, finishing them (up to {} s); health says draining",
                    connections, exchanges, grace.toSeconds());
            server.stop(grace).join();
            if (accessLog != null) {
                accessLog.close(); // after the stop: every exchange has completed, so the last batch has them all
            }
            files.close();
            long millis = (System.nanoTime() - begin) / 1_000_000;
            temp.close();
            LOG.info("stopped: drained {} connection(s){} in {} ms{}", connections, exchanges, millis,
                    millis >= grace.toMillis() ? " (the grace ran out: what was left was closed)" : "");
            if (adminServer != null) {
                adminServer.close();
                metrics.close();
            }
        }));
        server.tls().ifPresent(tls -> LOG.info("TLS: {}; {}; ALPN offers {}; no ALPN: detected from the first bytes; "
                + "files are read and encrypted in user space under TLS (no sendfile)", tls.config().description(),
                String.join("/", tls.config().protocols()), tls.alpnIds().isEmpty() ? "nothing" : String.join(", ", tls.alpnIds())));
        LOG.info("Weft listening on {}:{} (transport {}, protocols {}{}{}, {} event loops, root {}){}{}",
                server.address().getHostString(), server.port(), server.transportName(),
                String.join("+", server.protocolNames()),
                server.protocolNames().size() > 1 ? " detected per connection" : "",
                server.tls().isPresent() ? ", TLS" : "",
                server.eventLoops(), root.toAbsolutePath().normalize(),
                admin == null ? "" : "; admin on " + admin.address().getHostString() + ":" + admin.address().getPort()
                        + " (/metrics, /health)",
                accessLog == null ? "" : "; access log on (logger " + AccessLog.LOGGER + ")");
        server.awaitTermination();
        return 0;
    }

    // ---- TLS (helper "tls"): --tls-cert PEM --tls-key PEM | --tls-self-signed ----------------
    /** The TLS settings, in one block. */
    static final class Tls {
        private Tls() {
        }

        /**
         * @return the credentials the settings ask for, or null for cleartext
         * @throws UsageException for a combination that makes no sense
         * @throws WeftStartupException for files that cannot be used
         */
        static TlsConfig config(ServeConfig config) {
            boolean selfSigned = config.on(TLS_SELF_SIGNED);
            boolean cert = config.text(TLS_CERT).isPresent();
            boolean key = config.text(TLS_KEY).isPresent();
            if (selfSigned && (cert || key)) {
                throw new UsageException("--tls-self-signed and --tls-cert/--tls-key exclude each other");
            }
            if (cert != key) {
                throw new UsageException("--tls-cert and --tls-key go together (PEM certificate chain and PKCS#8 PEM key)");
            }
            try {
                if (selfSigned) {
                    return TlsConfig.selfSigned();
                }
                if (cert) {
                    return TlsConfig.fromPem(Path.of(config.text(TLS_CERT).orElseThrow()), Path.of(config.text(TLS_KEY).orElseThrow()));
                }
                return null;
            } catch (TlsConfigException e) {
                throw new WeftStartupException(e.getMessage(), e);
            }
        }
    }
    // ---- end of TLS --------------------------------------------------------------------------

    /** The HTTP/2 limits of the command line (each defaults to {@link Http2Settings#defaults()}). */
    static Http2Settings http2Settings(ServeConfig config) {
        try {
            Http2Settings.Limits limits = new Http2Settings.Limits(config.whole(H2_RESET_BUDGET),
                    config.whole(H2_RESET_REFILL_PER_SECOND),
                    config.whole(H2_MAX_CONTINUATION_FRAMES), config.intSize(H2_MAX_HEADER_BLOCK),
                    config.whole(H2_MAX_QUEUED_CONTROL_FRAMES), config.whole(H2_MAX_EMPTY_FRAMES));
            return new Http2Settings(config.whole(H2_MAX_CONCURRENT_STREAMS), config.intSize(H2_INITIAL_WINDOW),
                    config.intSize(H2_CONNECTION_WINDOW), config.intSize(H2_MAX_FRAME_SIZE),
                    config.intSize(H2_MAX_HEADER_LIST), limits, config.seconds(H2_SLOW_PEER_TIMEOUT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("HTTP/2 settings: " + e.getMessage());
        }
    }

    /** The wireproto limits of the command line (each defaults to {@link WireprotoLimits#defaults()}). */
    static WireprotoLimits wireprotoLimits(ServeConfig config) {
        try {
            return new WireprotoLimits(config.intSize(WIREPROTO_MAX_FRAME), WireprotoLimits.DEFAULT_SEND_FRAME_LENGTH,
                    config.whole(WIREPROTO_MAX_ARGUMENTS), config.intSize(WIREPROTO_MAX_ARGUMENT_BYTES),
                    config.whole(WIREPROTO_MAX_PENDING_COMMANDS), config.intSize(WIREPROTO_COMMAND_DATA_WINDOW),
                    config.size(WIREPROTO_MAX_DEFERRED_OUTPUT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("wireproto limits: " + e.getMessage());
        }
    }

    /** @return the wireproto framing revision named ({@code 0001}, {@code 0002}; leading zeros optional) */
    static FramingRevision wireprotoRevision(String number) {
        return FramingRevision.fromNumber(number).orElseThrow(() -> new UsageException(
                WIREPROTO_REVISION.flag() + " must be 0001 or 0002: " + number));
    }

    /** The minimum data rates (issue 17); 0 turns a direction off. */
    static MinDataRate minDataRate(ServeConfig config) {
        return new MinDataRate(config.size(MIN_REQUEST_RATE), config.size(MIN_RESPONSE_RATE), config.seconds(RATE_GRACE));
    }

    /** Opens the private temp directory, sweeping leftovers of a crashed run. */
    static TempDirectory openTempDirectory(Optional<String> folder) {
        Path root = folder.map(Path::of).orElseGet(TempDirectory::defaultRoot);
        try {
            return TempDirectory.open(root);
        } catch (IOException e) {
            throw new WeftStartupException("cannot use temp folder " + root + ": " + e.getMessage() + " (--tmp-dir)", e);
        }
    }

    /** The bound default policy with the quotas given by flag, environment or file. */
    static BodyPolicy bodyPolicy(ServeConfig config, BodyPolicy policy) {
        BodyPolicy result = policy;
        if (config.isSet(MAX_RAM)) {
            result = result.withMaxRam(config.size(MAX_RAM));
        }
        if (config.isSet(MAX_DISK)) {
            result = result.withMaxDisk(config.size(MAX_DISK));
        }
        if (config.isSet(MAX_HEADER)) {
            result = result.withMaxHeader(config.intSize(MAX_HEADER));
        }
        if (config.isSet(MAX_PARTS)) {
            result = result.withMaxParts(config.intSize(MAX_PARTS));
        }
        return result;
    }

    /** The demo folder shipped beside the launcher ({@code weft.home} is set by {@code ./weft}). */
    static Path defaultRoot() {
        String home = System.getProperty("weft.home");
        return home == null ? Path.of("demo") : Path.of(home, "demo");
    }
}
