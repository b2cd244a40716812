package dev.weft.wireproto;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/**
 * Contributes protocol {@code wireproto}, with default {@link WireprotoLimits} and revision
 * {@code 0001}; a {@code Weft.builder().override(...)} module binding either replaces it.
 */
public final class WireprotoPlugin extends AbstractModule implements WeftPlugin {
    @Override
    protected void configure() {
        bind(WireprotoLimits.class).toInstance(WireprotoLimits.defaults());
        bind(FramingRevision.class).toInstance(FramingRevision.EXP_0001);
        WeftBindings.protocols(binder()).addBinding(WireprotoProtocol.NAME).to(WireprotoProtocol.class);
    }

    @Override
    public String description() {
        return "protocol wireproto (Mercurial's unified frame protocol) over TCP, stdio and HTTP/2";
    }
}
