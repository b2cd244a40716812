package dev.weft.spi;

import com.google.inject.Module;

/**
 * A Weft plugin: a Guice module listed in
 * {@code META-INF/services/dev.weft.spi.WeftPlugin}, found by {@link java.util.ServiceLoader}
 * and installed by the bootstrap. It contributes transports, protocols and body policies into
 * the keyed multibindings of {@link WeftBindings}. A jar with such a file works by being on the
 * class path: no change to Weft.
 *
 * <p>Implementations need a public no-argument constructor. {@code configure} is called once,
 * on the thread that builds the injector.
 */
public interface WeftPlugin extends Module {
    /** @return one line saying what the plugin provides, for {@code weft plugins} */
    default String description() {
        return getClass().getSimpleName();
    }
}
