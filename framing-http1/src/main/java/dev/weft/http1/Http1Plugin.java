package dev.weft.http1;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/** Contributes protocol {@code http/1.1}. */
public final class Http1Plugin extends AbstractModule implements WeftPlugin {
    @Override
    protected void configure() {
        WeftBindings.protocols(binder()).addBinding(Http1Protocol.NAME).to(Http1Protocol.class);
    }

    @Override
    public String description() {
        return "protocol http/1.1 (HTTP/1.1 and 1.0, Upgrade: h2c)";
    }
}
