package dev.weft.server;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.weft.api.BodyPolicy;
import dev.weft.spi.Protocol;
import dev.weft.spi.Transport;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Every plugin on the class path, bound into one injector: {@link ServiceLoader} finds the
 * {@link WeftPlugin}s, the user's modules override them ({@link Modules#override}), and the
 * keyed multibindings give transports, protocols and body policies by name.
 *
 * <p>Threading: built once on the starting thread, then read-only.
 */
public final class Plugins {
    static {
        GuiceQuiet.apply();
    }

    private final List<WeftPlugin> modules;
    private final Map<String, Transport> transports;
    private final Map<String, Protocol> protocols;
    private final Map<String, BodyPolicy> bodyPolicies;

    private Plugins(List<WeftPlugin> modules, Injector injector) {
        this.modules = List.copyOf(modules);
        this.transports = new TreeMap<>(injector.getInstance(Key.get(new TypeLiteral<Map<String, Transport>>() { })));
        this.protocols = new TreeMap<>(injector.getInstance(Key.get(new TypeLiteral<Map<String, Protocol>>() { })));
        this.bodyPolicies = new TreeMap<>(injector.getInstance(Key.get(new TypeLiteral<Map<String, BodyPolicy>>() { })));
    }

    /**
     * Loads the plugins visible to {@code classLoader} and applies {@code overrides}.
     *
     * @param classLoader where {@link ServiceLoader} looks
     * @param overrides the user's modules; their bindings win over the plugins'
     * @return the bound plugins
     */
    public static Plugins load(ClassLoader classLoader, List<? extends Module> overrides) {
        List<WeftPlugin> found = new ArrayList<>();
        for (WeftPlugin plugin : ServiceLoader.load(WeftPlugin.class, classLoader)) {
            found.add(plugin);
        }
        Module base = binder -> {
            // Declare the maps so that a class path with no plugin of a kind still binds an empty map.
            WeftBindings.transports(binder);
            WeftBindings.protocols(binder);
            WeftBindings.bodyPolicies(binder);
            found.forEach(binder::install);
        };
        Module all = overrides.isEmpty() ? base : Modules.override(base).with(overrides);
        return new Plugins(found, Guice.createInjector(Stage.PRODUCTION, all));
    }

    /** @return the plugin modules found, in discovery order */
    public List<WeftPlugin> modules() {
        return modules;
    }

    /** @return transports by name, sorted */
    public Map<String, Transport> transports() {
        return transports;
    }

    /** @return protocols by name, sorted */
    public Map<String, Protocol> protocols() {
        return protocols;
    }

    /** @return body policies by name, sorted */
    public Map<String, BodyPolicy> bodyPolicies() {
        return bodyPolicies;
    }

    /**
     * @return the transport named {@code name}, available here
     * @throws WeftStartupException naming the transports provided, or why this one cannot run
     */
    public Transport transport(String name) {
        Transport transport = transports.get(name);
        if (transport == null) {
            throw new WeftStartupException("no transport named '" + name + "'; provided: " + String.join(", ", transports.keySet()));
        }
        if (!transport.availability().available()) {
            throw new WeftStartupException("transport " + name + " is unavailable here: " + transport.availability().reason()
                    + " (use --transport nio)");
        }
        return transport;
    }

    /**
     * @return the protocol named {@code name}, available here
     * @throws WeftStartupException naming the protocols provided, or why this one cannot run
     */
    public Protocol protocol(String name) {
        Protocol protocol = protocols.get(name);
        if (protocol == null) {
            throw new WeftStartupException("no protocol named '" + name + "'; provided: " + String.join(", ", protocols.keySet())
                    + (protocols.isEmpty() ? "" : ", auto"));
        }
        if (!protocol.availability().available()) {
            throw new WeftStartupException("protocol " + name + " is unavailable here: " + protocol.availability().reason());
        }
        return protocol;
    }

    /**
     * @return the body policy named {@code name}
     * @throws WeftStartupException naming the policies provided
     */
    public BodyPolicy bodyPolicy(String name) {
        BodyPolicy policy = bodyPolicies.get(name);
        if (policy == null) {
            if (name.equals("default")) {
                return BodyPolicy.defaults();
            }
            throw new WeftStartupException("no body policy named '" + name + "'; provided: " + String.join(", ", bodyPolicies.keySet()));
        }
        return policy;
    }

    /** @return where a plugin class was loaded from: its jar's file name, or its class folder */
    public static String origin(Class<?> type) {
        var source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return "unknown origin";
        }
        String path = source.getLocation().getPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
