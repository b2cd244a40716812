package dev.weft.transport.nio;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/** Contributes the {@code nio} transport. Found by {@link java.util.ServiceLoader}. */
public final class NioPlugin extends AbstractModule implements WeftPlugin {
    @Override
    protected void configure() {
        WeftBindings.transports(binder()).addBinding(NioTransport.NAME).to(NioTransport.class);
    }

    @Override
    public String description() {
        return "transport nio: java.nio selectors, files via FileChannel.transferTo";
    }
}
