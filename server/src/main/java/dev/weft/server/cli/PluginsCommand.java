package dev.weft.server.cli;

import dev.weft.api.BodyPolicy;
import dev.weft.server.Plugins;
import dev.weft.spi.Availability;
import dev.weft.spi.Protocol;
import dev.weft.spi.Transport;
import dev.weft.spi.WeftPlugin;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/** {@code weft plugins}: what ServiceLoader found, by kind, with origin and availability. */
final class PluginsCommand {

    private PluginsCommand() {
    }

    /** @return {@code plugins} takes no flags */
    static CommandSpec commandSpec() {
        return CommandSpec.create().name("plugins");
    }

    static int run(PrintStream out) {
        Plugins plugins = Plugins.load(PluginsCommand.class.getClassLoader(), List.of());
        out.println("Plugin modules (META-INF/services/" + WeftPlugin.class.getName() + "):");
        for (WeftPlugin module : plugins.modules()) {
            out.printf("  %-44s %s  [%s]%n", module.getClass().getName(), module.description(), Plugins.origin(module.getClass()));
        }
        out.println();
        out.println("Transports:");
        for (Map.Entry<String, Transport> entry : plugins.transports().entrySet()) {
            out.printf("  %-10s %-30s %s  [%s]%n", entry.getKey(), status(entry.getValue().availability()),
                    entry.getValue().getClass().getName(), Plugins.origin(entry.getValue().getClass()));
        }
        out.println();
        out.println("Protocols (auto detects among the available ones):");
        for (Map.Entry<String, Protocol> entry : plugins.protocols().entrySet()) {
            out.printf("  %-10s %-30s %s  [%s]%n", entry.getKey(), status(entry.getValue().availability()),
                    entry.getValue().getClass().getName(), Plugins.origin(entry.getValue().getClass()));
        }
        out.println();
        out.println("Body policies:");
        for (Map.Entry<String, BodyPolicy> entry : plugins.bodyPolicies().entrySet()) {
            BodyPolicy policy = entry.getValue();
            out.printf("  %-10s max-ram %d, max-disk %d, max-header %d, max-parts %d%n", entry.getKey(),
                    policy.maxRam(), policy.maxDisk(), policy.maxHeader(), policy.maxParts());
        }
        if (plugins.bodyPolicies().isEmpty()) {
            out.println("  (none bound; the built-in defaults apply)");
        }
        return 0;
    }

    private static String status(Availability availability) {
        return availability.available() ? "available" : "UNAVAILABLE: " + availability.reason();
    }
}
