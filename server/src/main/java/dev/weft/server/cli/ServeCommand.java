package dev.weft.server.cli;

import dev.weft.api.BodyPolicy;
import dev.weft.body.Sizes;
import dev.weft.body.TempDirectory;
import dev.weft.server.Weft;
import dev.weft.server.WeftServer;
import dev.weft.server.WeftStartupException;
import dev.weft.server.demo.DemoRoutes;
import dev.weft.spi.MinDataRate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code weft serve}: the demo server, until SIGTERM or Ctrl-C stops it gracefully. */
final class ServeCommand {
    private static final Logger LOG = LoggerFactory.getLogger("weft");

    static final Set<String> FLAGS = Set.of("host", "port", "transport", "protocol", "root", "loops",
            "idle-timeout", "max-connections", "max-ram", "max-disk", "max-header", "max-parts", "tmp-dir",
            // minimum data rates (issue 17)
            "min-request-rate", "min-response-rate", "rate-grace");

    private ServeCommand() {
    }

    static int run(Flags flags, PrintStream out) {
        Path root = flags.get("root").map(Path::of).orElseGet(ServeCommand::defaultRoot);
        Weft.Builder builder = Weft.builder();
        builder.host(flags.get("host", "127.0.0.1"))
                .port(flags.getInt("port", 8080, 0, 65535))
                .transport(flags.get("transport", "nio"))
                .protocol(flags.get("protocol", "auto"))
                .eventLoops(flags.getInt("loops", Runtime.getRuntime().availableProcessors(), 1, 1024))
                .idleTimeout(Duration.ofSeconds(flags.getInt("idle-timeout", 30, 1, 86_400)))
                .maxConnections(flags.getInt("max-connections", 10_000, 1, 1_000_000));
        builder.minDataRate(minDataRate(flags));
        BodyPolicy quotas = bodyPolicy(flags, builder.plugins().bodyPolicy("default"));
        if (!Files.isDirectory(root)) {
            throw new WeftStartupException("root folder " + root.toAbsolutePath() + " does not exist or is not a folder (--root)");
        }
        // Every flag is checked before anything is created on disk.
        TempDirectory temp = openTempDirectory(flags);
        WeftServer server;
        try {
            server = builder.handler(DemoRoutes.create(root, temp))
                    .bodyPolicy(quotas.withTempDirectory(temp.runDirectory()))
                    .start();
        } catch (RuntimeException e) {
            temp.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("weft-stop").unstarted(() -> {
            LOG.info("stopping: finishing in-flight requests (up to 10 s)");
            server.stop(Duration.ofSeconds(10)).join();
            temp.close();
            LOG.info("stopped");
        }));
        LOG.info("Weft listening on {}:{} (transport {}, protocols {}{}, {} event loops, root {})",
                server.address().getHostString(), server.port(), server.transportName(),
                String.join("+", server.protocolNames()),
                server.protocolNames().size() > 1 ? " detected per connection" : "",
                server.eventLoops(), root.toAbsolutePath().normalize());
        server.awaitTermination();
        return 0;
    }

    /** Opens the private temp directory, sweeping leftovers of a crashed run. */
    static TempDirectory openTempDirectory(Flags flags) {
        Path root = flags.get("tmp-dir").map(Path::of).orElseGet(TempDirectory::defaultRoot);
        try {
            return TempDirectory.open(root);
        } catch (IOException e) {
            throw new WeftStartupException("cannot use temp folder " + root + ": " + e.getMessage() + " (--tmp-dir)", e);
        }
    }

    /** The default policy with the quotas given on the command line. */
    static BodyPolicy bodyPolicy(Flags flags, BodyPolicy policy) {
        try {
            BodyPolicy result = policy;
            if (flags.has("max-ram")) {
                result = result.withMaxRam(Sizes.parse(flags.get("max-ram", "")));
            }
            if (flags.has("max-disk")) {
                result = result.withMaxDisk(Sizes.parse(flags.get("max-disk", "")));
            }
            if (flags.has("max-header")) {
                result = result.withMaxHeader(Sizes.parseInt(flags.get("max-header", "")));
            }
            if (flags.has("max-parts")) {
                result = result.withMaxParts(Sizes.parseInt(flags.get("max-parts", "")));
            }
            return result;
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
    }

    // ---- minimum data rates (issue 17): --min-request-rate, --min-response-rate, --rate-grace

    /** The default minimum data rates with the ones given on the command line (0 turns a direction off). */
    static MinDataRate minDataRate(Flags flags) {
        MinDataRate rate = MinDataRate.DEFAULTS;
        try {
            if (flags.has("min-request-rate")) {
                rate = rate.withRequest(Sizes.parse(flags.get("min-request-rate", "")));
            }
            if (flags.has("min-response-rate")) {
                rate = rate.withResponse(Sizes.parse(flags.get("min-response-rate", "")));
            }
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
        if (flags.has("rate-grace")) {
            rate = rate.withGrace(Duration.ofSeconds(flags.getInt("rate-grace", 5, 1, 3600)));
        }
        return rate;
    }

    // ---- end of the minimum data rates

    /** The demo folder shipped beside the launcher ({@code weft.home} is set by {@code ./weft}). */
    static Path defaultRoot() {
        String home = System.getProperty("weft.home");
        return home == null ? Path.of("demo") : Path.of(home, "demo");
    }
}
