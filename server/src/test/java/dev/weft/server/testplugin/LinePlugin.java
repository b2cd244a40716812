package dev.weft.server.testplugin;

import com.google.inject.AbstractModule;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/** A third-party plugin, known to Weft only through the test class path's services file. */
public final class LinePlugin extends AbstractModule implements WeftPlugin {
    @Override
    protected void configure() {
        WeftBindings.protocols(binder()).addBinding("line").to(LineProtocol.class);
    }

    @Override
    public String description() {
        return "protocol line (test-only plugin)";
    }
}
