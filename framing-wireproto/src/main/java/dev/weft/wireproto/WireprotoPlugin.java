package dev.weft.wireproto;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/**
 * Contributes protocol {@code wireproto}. Its {@link WireprotoLimits} are bound to the defaults;
 * replace them with {@code Modules.override(...)} binding your own instance.
 */
public final class WireprotoPlugin extends AbstractModule implements WeftPlugin {
    @Override
    protected void configure() {
        bind(WireprotoLimits.class).toInstance(WireprotoLimits.defaults());
        WeftBindings.protocols(binder()).addBinding(WireprotoProtocol.NAME).to(WireprotoProtocol.class);
    }

    @Override
    public String description() {
        return "protocol wireproto (Mercurial's unified frame protocol) over TCP, stdio and HTTP/2";
    }
}
