package dev.weft.server;

import dev.weft.spi.EventLoop;
import dev.weft.spi.OpenFileCache;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.TransportServer;
import dev.weft.tls.TlsLayer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A running Weft server.
 *
 * <p>Threading: every method may be called from any thread.
 */
public final class WeftServer implements AutoCloseable {
    private final TransportServer transportServer;
    private final String transportName;
    private final List<String> protocolNames;
    private final Duration shutdownGrace;
    private final ProtocolContext context;
    private final TlsLayer tls;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Set<EventLoop> loopsSeen;
    private volatile boolean draining;
    /** The open-file cache this server made (closed when it has stopped), or null if the builder was given one. */
    private final OpenFileCache ownFiles;

    WeftServer(TransportServer transportServer, String transportName, List<String> protocolNames,
               Duration shutdownGrace, ProtocolContext context, Set<EventLoop> loopsSeen, TlsLayer tls,
               OpenFileCache ownFiles) {
        this.ownFiles = ownFiles;
        this.loopsSeen = loopsSeen;
        this.transportServer = transportServer;
        this.transportName = transportName;
        this.protocolNames = protocolNames;
        this.shutdownGrace = shutdownGrace;
        this.context = context;
        this.tls = tls;
    }

    /** @return the TLS layer (credentials, ALPN ids offered), or empty for a cleartext listener */
    public Optional<TlsLayer> tls() {
        return Optional.ofNullable(tls);
    }

    /** @return the bound address */
    public InetSocketAddress address() {
        return transportServer.localAddress();
    }

    /** @return the bound port (the real one when 0 was asked for) */
    public int port() {
        return transportServer.localAddress().getPort();
    }

    /** @return the transport's name */
    public String transportName() {
        return transportName;
    }

    /** @return the protocols served, in detection order */
    public List<String> protocolNames() {
        return protocolNames;
    }

    /** @return the number of event loops */
    public int eventLoops() {
        return transportServer.eventLoopCount();
    }

    /** @return connections open now */
    public int connectionCount() {
        return transportServer.connectionCount();
    }

    /** @return whether {@link #stop} was called: the server takes no new work (its health check says draining) */
    public boolean isDraining() {
        return draining;
    }

    /** @return the event loops that have served a connection so far (a live view) */
    public Set<EventLoop> eventLoopsSeen() {
        return Set.copyOf(loopsSeen);
    }

    /** @return what each connection's protocol is given (handler, policy, executor) */
    public ProtocolContext context() {
        return context;
    }

    /**
     * Stops gracefully: no new connections, in-flight exchanges get {@code grace} to finish.
     *
     * @return completes when everything is closed
     */
    public CompletableFuture<Void> stop(Duration grace) {
        draining = true;
        transportServer.shutdown(grace).whenComplete((ignored, error) -> {
            if (ownFiles != null) {
                ownFiles.close(); // after the loops: nothing sends a cached file any more
            }
            terminated.complete(null);
        });
        return terminated;
    }

    /** Waits until the server has stopped. */
    public void awaitTermination() {
        terminated.join();
    }

    /** Stops gracefully with the configured grace period and waits. */
    @Override
    public void close() {
        stop(shutdownGrace).join();
    }
}
