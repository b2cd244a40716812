package dev.weft.transport.nio;

import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket and its event loops. One acceptor (the first loop) accepts and hands
 * each connection to the loops round-robin: with a handful of loops the accept path is never
 * the bottleneck, and a single listening socket keeps port-in-use errors and shutdown simple.
 *
 * <p>Ownership: the server channel and {@link #nextLoop} belong to the acceptor loop;
 * {@link #connections} and {@link #shuttingDown} are atomics read from anywhere.
 */
final class NioListener implements TransportServer {
    private static final Logger LOG = LoggerFactory.getLogger(NioListener.class);
    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final TransportConfig config;
    private final ConnectionInitializer initializer;
    private final ServerSocketChannel serverChannel;
    private final InetSocketAddress localAddress;
    private final List<NioEventLoop> loops = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final CompletableFuture<Void> terminated;
    private int nextLoop;
    private long lastRefusalLogNanos = System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS;
    private long refusedSinceLog;

    NioListener(TransportConfig config, ConnectionInitializer initializer) throws IOException {
        this.config = config;
        this.initializer = initializer;
        this.serverChannel = ServerSocketChannel.open();
        try {
            serverChannel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (config.reusePort()) {
                // Several processes share the port; the kernel spreads connections among them.
                serverChannel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            serverChannel.bind(config.address(), 1024);
            serverChannel.configureBlocking(false);
            this.localAddress = (InetSocketAddress) serverChannel.getLocalAddress();
            for (int i = 0; i < config.eventLoops(); i++) {
                loops.add(new NioEventLoop("weft-nio-" + localAddress.getPort() + "-" + i, config.readBufferSize()));
            }
        } catch (IOException | RuntimeException e) {
            serverChannel.close();
            for (NioEventLoop loop : loops) {
                loop.selector().close();
            }
            throw e;
        }
        this.terminated = CompletableFuture.allOf(loops.stream().map(NioEventLoop::terminated).toArray(CompletableFuture[]::new));
        NioEventLoop acceptor = loops.getFirst();
        serverChannel.register(acceptor.selector(), SelectionKey.OP_ACCEPT, this);
        loops.forEach(NioEventLoop::start);
        Duration sweep = config.idleTimeout().dividedBy(4);
        Duration sweepInterval = sweep.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1)
                : sweep.compareTo(Duration.ofMillis(10)) < 0 ? Duration.ofMillis(10) : sweep;
        for (NioEventLoop loop : loops) {
            scheduleIdleSweep(loop, sweepInterval);
        }
    }

    TransportConfig config() {
        return config;
    }

    ConnectionInitializer initializer() {
        return initializer;
    }

    /** A connection closed; runs on its loop. */
    void connectionClosed() {
        connections.decrementAndGet();
    }

    /** The server channel is ready to accept. Acceptor loop. */
    void acceptReady() {
        // Accept a batch, not everything: a connect flood must not starve the loop's own I/O.
        for (int i = 0; i < 64; i++) {
            SocketChannel channel;
            try {
                channel = serverChannel.accept();
            } catch (IOException e) {
                LOG.warn("accept failed: {}", e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            if (connections.incrementAndGet() > config.maxConnections() || shuttingDown.get()) {
                connections.decrementAndGet();
                refuse(channel);
                continue;
            }
            NioEventLoop loop = loops.get(nextLoop);
            nextLoop = (nextLoop + 1) % loops.size();
            loop.execute(() -> startConnection(channel, loop));
        }
    }

    private void refuse(SocketChannel channel) {
        try {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            channel.close();
        } catch (IOException ignored) {
            // the refused peer is gone already
        }
        refusedSinceLog++;
        long now = System.nanoTime();
        if (!shuttingDown.get() && now - lastRefusalLogNanos >= REFUSAL_LOG_INTERVAL_NANOS) {
            LOG.warn("connection limit reached ({} open, max {}): refused {} connection(s) in the last {} s",
                    connections.get(), config.maxConnections(), refusedSinceLog,
                    TimeUnit.NANOSECONDS.toSeconds(now - lastRefusalLogNanos));
            lastRefusalLogNanos = now;
            refusedSinceLog = 0;
        }
    }

    private void startConnection(SocketChannel channel, NioEventLoop loop) {
        NioConnection connection = null;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connection = new NioConnection(channel, loop, this);
            connection.start();
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not start a connection: {}", e.toString());
            if (connection != null) {
                connection.closeNow(e, true);
            } else {
                connections.decrementAndGet();
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing more to do for a connection that never started
                }
            }
        }
    }

    private void scheduleIdleSweep(NioEventLoop loop, Duration interval) {
        loop.schedule(() -> {
            long now = System.nanoTime();
            long idleNanos = config.idleTimeout().toNanos();
            for (NioConnection connection : loop.connectionsSnapshot()) {
                if (connection.isOpen() && now - connection.lastActivityNanos >= idleNanos) {
                    connection.lastActivityNanos = now; // ask once per timeout, not once per sweep
                    try {
                        connection.handler().onIdleTimeout(connection);
                    } catch (RuntimeException e) {
                        LOG.error("{}: handler failed in onIdleTimeout", connection, e);
                        connection.closeNow(e, true);
                    }
                }
            }
            if (!loop.terminated().isDone()) {
                scheduleIdleSweep(loop, interval);
            }
        }, interval);
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public int eventLoopCount() {
        return loops.size();
    }

    @Override
    public int connectionCount() {
        return connections.get();
    }

    @Override
    public CompletableFuture<Void> shutdown(Duration deadline) {
        if (shuttingDown.compareAndSet(false, true)) {
            NioEventLoop acceptor = loops.getFirst();
            acceptor.execute(this::closeServerChannel);
            for (NioEventLoop loop : loops) {
                loop.execute(() -> {
                    for (NioConnection connection : loop.connectionsSnapshot()) {
                        try {
                            connection.handler().onShutdown(connection);
                        } catch (RuntimeException e) {
                            LOG.error("{}: handler failed in onShutdown", connection, e);
                            connection.closeNow(e, true);
                        }
                    }
                    loop.stopWhenEmpty();
                });
                loop.schedule(() -> {
                    for (NioConnection connection : loop.connectionsSnapshot()) {
                        connection.closeNow(null, true);
                    }
                    loop.stopWhenEmpty();
                }, deadline);
            }
        }
        return terminated;
    }

    @Override
    public void close() {
        shuttingDown.set(true);
        loops.getFirst().execute(this::closeServerChannel);
        for (NioEventLoop loop : loops) {
            loop.stopNow();
        }
        terminated.join();
    }

    private void closeServerChannel() {
        try {
            serverChannel.close();
        } catch (IOException e) {
            LOG.debug("closing the listening socket: {}", e.toString());
        }
    }
}
