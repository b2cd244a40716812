package dev.weft.transport.epoll;

import dev.weft.spi.Availability;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The {@code epoll} transport: Linux sockets driven through {@code epoll(7)} by
 * {@code java.lang.foreign} downcalls (no JNI), with {@code sendfile(2)} for file regions.
 *
 * <p>Runs on Linux x86-64 and aarch64 with native access enabled
 * ({@code --enable-native-access=ALL-UNNAMED}); {@link #availability()} says why not elsewhere.
 * For sendfile the JVM must also open two JDK packages (see {@link FileDescriptors}); without
 * them file regions are sent from a memory map instead.
 *
 * <p>Threading: stateless; {@link #start} may be called from any thread, once per server.
 */
public final class EpollTransport implements Transport {
    private final EpollTuning tuning;
    private final Supplier<Availability> availability;

    /** The transport with the measured default tuning (overridable by system properties, see docs/EPOLL.md). */
    public EpollTransport() {
        this(EpollTuning.fromSystemProperties());
    }

    EpollTransport(EpollTuning tuning) {
        this(tuning, EpollAvailability::get);
    }

    /** For tests: a transport that believes {@code availability}. */
    EpollTransport(EpollTuning tuning, Supplier<Availability> availability) {
        this.tuning = Objects.requireNonNull(tuning, "tuning is null");
        this.availability = Objects.requireNonNull(availability, "availability is null");
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public Availability availability() {
        return availability.get();
    }

    @Override
    public TransportServer start(TransportConfig config, ConnectionInitializer initializer) throws IOException {
        Objects.requireNonNull(config, "config is null");
        Objects.requireNonNull(initializer, "initializer is null");
        Availability availability = availability();
        if (!availability.available()) {
            throw new IllegalStateException("the epoll transport cannot run here: " + availability.reason() + "; "
                    + EpollAvailability.WAY_OUT);
        }
        return EpollServer.start(config, initializer, tuning);
    }
}
