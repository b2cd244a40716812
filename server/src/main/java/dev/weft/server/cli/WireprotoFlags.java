package dev.weft.server.cli;

import com.google.inject.Module;
import dev.weft.wireproto.FramingRevision;
import dev.weft.wireproto.WireprotoLimits;
import java.util.Optional;
import java.util.Set;

/**
 * The wireproto flags of {@code serve} and {@code wireproto --stdio} (issue 15), as one Guice
 * override of the plugin's bindings: {@code --wireproto-revision 0001|0002} (what TCP and stdio
 * peers speak; {@code 0002} has request ids, so a connection's commands run side by side) and
 * {@code --wireproto-max-commands N} (commands in flight per connection).
 */
final class WireprotoFlags {
    static final Set<String> NAMES = Set.of("wireproto-revision", "wireproto-max-commands");

    private WireprotoFlags() {
    }

    /** @return the override for the flags given, or empty when none is */
    static Optional<Module> module(Flags flags) {
        if (!flags.has("wireproto-revision") && !flags.has("wireproto-max-commands")) {
            return Optional.empty();
        }
        String number = flags.get("wireproto-revision", "0001");
        FramingRevision revision = FramingRevision.fromNumber(number).orElseThrow(() -> new Flags.UsageException(
                "--wireproto-revision must be 0001 or 0002: " + number));
        WireprotoLimits limits = WireprotoLimits.defaults().withMaxPendingCommands(flags.getInt("wireproto-max-commands",
                WireprotoLimits.DEFAULT_MAX_PENDING_COMMANDS, 1, 4096));
        return Optional.of(binder -> {
            binder.bind(FramingRevision.class).toInstance(revision);
            binder.bind(WireprotoLimits.class).toInstance(limits);
        });
    }
}
