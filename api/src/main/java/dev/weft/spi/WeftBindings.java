package dev.weft.spi;

import com.google.inject.Binder;
import com.google.inject.multibindings.MapBinder;
import dev.weft.api.BodyPolicy;

/**
 * The keyed multibindings plugins contribute to, by name. The bootstrap picks one of each by
 * the name in its configuration and fails at start, listing the names provided, if nobody
 * provides the name asked for.
 *
 * <pre>{@code
 * public final class NioPlugin extends AbstractModule implements WeftPlugin {
 *     protected void configure() {
 *         WeftBindings.transports(binder()).addBinding("nio").to(NioTransport.class);
 *     }
 * }
 * }</pre>
 */
public final class WeftBindings {
    private WeftBindings() {
    }

    /** @return the map of transports by name ({@code nio}, {@code epoll}, ...) */
    public static MapBinder<String, Transport> transports(Binder binder) {
        return MapBinder.newMapBinder(binder, String.class, Transport.class);
    }

    /** @return the map of protocols by name ({@code h2}, {@code wireproto}, ...) */
    public static MapBinder<String, Protocol> protocols(Binder binder) {
        return MapBinder.newMapBinder(binder, String.class, Protocol.class);
    }

    /** @return the map of body policies by name; {@code default} is the server's default */
    public static MapBinder<String, BodyPolicy> bodyPolicies(Binder binder) {
        return MapBinder.newMapBinder(binder, String.class, BodyPolicy.class);
    }
}
