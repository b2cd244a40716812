package dev.weft.transport.epoll;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/** Contributes the {@code epoll} transport. Found by ServiceLoader through META-INF/services. */
public final class EpollPlugin extends AbstractModule implements WeftPlugin {

    @Override
    protected void configure() {
        WeftBindings.transports(binder()).addBinding("epoll").to(EpollTransport.class);
    }

    @Override
    public String description() {
        return "epoll: native Linux transport (java.lang.foreign), sendfile(2) for file regions";
    }
}
