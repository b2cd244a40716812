package dev.weft.transport.nio;

import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import java.io.IOException;

/**
 * The portable transport: {@link java.nio.channels.Selector} event loops, one connection per
 * loop, gathering writes, file regions through {@link java.nio.channels.FileChannel#transferTo}
 * (sendfile(2) on Linux). Runs everywhere the JDK does; the default.
 *
 * <p>Threading: stateless; {@link #start} may be called from any thread.
 */
public final class NioTransport implements Transport {
    /** The name it is chosen by. */
    public static final String NAME = "nio";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TransportServer start(TransportConfig config, ConnectionInitializer initializer) throws IOException {
        return new NioListener(config, initializer);
    }
}
