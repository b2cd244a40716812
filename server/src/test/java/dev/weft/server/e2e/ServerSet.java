package dev.weft.server.e2e;

import dev.weft.server.WeftProcess;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The servers an end-to-end test class shares between its tests (one per transport and
 * configuration, so that each JVM start is paid once), stopped with SIGTERM at the end of the
 * class; {@link WeftProcess#close()} fails the class if one of them died or did not stop cleanly.
 */
final class ServerSet implements AutoCloseable {
    /** Starts a server. */
    @FunctionalInterface
    interface Starter {
        WeftProcess start() throws Exception;
    }

    private final Map<String, WeftProcess> servers = new LinkedHashMap<>();

    /** @return the server under {@code key}, started by {@code starter} on first use */
    synchronized WeftProcess get(String key, Starter starter) throws Exception {
        WeftProcess server = servers.get(key);
        if (server == null) {
            server = starter.start();
            servers.put(key, server);
        }
        if (!server.isAlive()) {
            throw new AssertionError("server " + key + " died: " + server.stderr());
        }
        return server;
    }

    @Override
    public synchronized void close() {
        AssertionError firstError = null;
        for (WeftProcess server : servers.values()) {
            try {
                server.close();
            } catch (AssertionError e) {
                firstError = firstError == null ? e : firstError;
            }
        }
        servers.clear();
        if (firstError != null) {
            throw firstError;
        }
    }
}
