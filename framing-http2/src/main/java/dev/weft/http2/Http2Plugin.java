package dev.weft.http2;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/**
 * Contributes protocol {@code h2}. Its {@link Http2Settings} are bound to the defaults; replace
 * them with {@code Modules.override(...)} binding your own instance.
 */
public final class Http2Plugin extends AbstractModule implements WeftPlugin {
    @Override
    protected void configure() {
        bind(Http2Settings.class).toInstance(Http2Settings.defaults());
        WeftBindings.protocols(binder()).addBinding(Http2Protocol.NAME).to(Http2Protocol.class);
    }

    @Override
    public String description() {
        return "protocol h2 (HTTP/2 with prior knowledge)";
    }
}
