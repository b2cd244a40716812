package dev.weft.transport.epoll;

import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running epoll server: its listening socket(s) and loops.
 *
 * <p>Threading: the public methods may be called from any thread. {@link #openConnections} and
 * the loop cursor are atomics shared by the loops; everything else is immutable after
 * {@link #start}.
 */
final class EpollServer implements TransportServer {
    private static final Logger LOG = LoggerFactory.getLogger(EpollServer.class);
    private static final AtomicInteger SERVER_IDS = new AtomicInteger();
    private static final int BACKLOG = 4096;

    final int serverId = SERVER_IDS.incrementAndGet();
    private final TransportConfig config;
    private final ConnectionInitializer initializer;
    private final EpollTuning tuning;
    private final List<EpollEventLoop> loops = new ArrayList<>();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private final AtomicLong lastRejectionLogNanos = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final Duration idleCheckInterval;
    private InetSocketAddress boundAddress;
    private volatile CompletableFuture<Void> shutdownFuture;

    private EpollServer(TransportConfig config, ConnectionInitializer initializer, EpollTuning tuning) {
        this.config = config;
        this.initializer = initializer;
        this.tuning = tuning;
        Duration idle = config.idleTimeout();
        if (idle.isZero() || idle.isNegative()) {
            idleCheckInterval = null;
        } else {
            // A quarter of the timeout keeps the report within 25% late, at most one scan a second.
            long quarter = Math.max(10, idle.toMillis() / 4);
            idleCheckInterval = Duration.ofMillis(Math.min(1000, quarter));
        }
    }

    /** Binds and starts; on failure nothing is left open. */
    static EpollServer start(TransportConfig config, ConnectionInitializer initializer, EpollTuning tuning) throws IOException {
        EpollServer server = new EpollServer(config, initializer, tuning);
        List<Integer> listeners = new ArrayList<>();
        try {
            for (int i = 0; i < config.eventLoops(); i++) {
                server.loops.add(new EpollEventLoop(server, tuning, i, config.readBufferSize()));
            }
            int listenerCount = tuning.accept() == EpollTuning.Accept.REUSEPORT ? config.eventLoops() : 1;
            InetSocketAddress address = config.address();
            for (int i = 0; i < listenerCount; i++) {
                int fd = openListener(address, listenerCount > 1 || config.reusePort());
                listeners.add(fd);
                if (i == 0) {
                    server.boundAddress = localAddressOf(fd);
                    // Later listeners must share the port the first one got, even when 0 was asked for.
                    address = server.boundAddress;
                }
            }
        } catch (IOException | RuntimeException e) {
            listeners.forEach(LinuxNative::close);
            server.loops.forEach(EpollEventLoop::stopBeforeStart);
            throw e;
        }
        for (int i = 0; i < listeners.size(); i++) {
            server.loops.get(i).adoptListener(listeners.get(i));
        }
        server.loops.forEach(EpollEventLoop::start);
        if (!FileDescriptors.sendfileUsable()) {
            LOG.info("epoll sends file regions from memory maps, not sendfile(2): {}", FileDescriptors.unavailableReason());
        }
        LOG.debug("epoll transport listening on {} with {} loops ({} triggered, {})", server.boundAddress, server.loops.size(),
                tuning.trigger().name().toLowerCase(java.util.Locale.ROOT), tuning.accept().name().toLowerCase(java.util.Locale.ROOT));
        return server;
    }

    private static int openListener(InetSocketAddress address, boolean reusePort) throws IOException {
        int fd = LinuxNative.socket(SocketAddresses.familyOf(address));
        try (Arena arena = Arena.ofConfined()) {
            LinuxNative.setIntOption(fd, LinuxNative.SOL_SOCKET, LinuxNative.SO_REUSEADDR, 1);
            if (reusePort) {
                LinuxNative.setIntOption(fd, LinuxNative.SOL_SOCKET, LinuxNative.SO_REUSEPORT, 1);
            }
            MemorySegment sockaddr = arena.allocate(LinuxNative.SOCKADDR_STORAGE_SIZE, 8);
            int length = SocketAddresses.encode(address, sockaddr);
            try {
                LinuxNative.bind(fd, sockaddr, length);
            } catch (NativeCallException e) {
                if (e.is(Errno.EADDRINUSE) || e.is(Errno.EACCES) || e.is(Errno.EADDRNOTAVAIL)) {
                    BindException bind = new BindException("cannot listen on " + address + ": " + e.getMessage());
                    bind.initCause(e);
                    throw bind;
                }
                throw e;
            }
            LinuxNative.listen(fd, BACKLOG);
            return fd;
        } catch (IOException | RuntimeException e) {
            LinuxNative.close(fd);
            throw e;
        }
    }

    private static InetSocketAddress localAddressOf(int fd) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(LinuxNative.SOCKADDR_STORAGE_SIZE, 8);
            MemorySegment length = arena.allocate(4, 4);
            return SocketAddresses.decode(sockaddr, LinuxNative.getsockname(fd, sockaddr, length));
        }
    }

    TransportConfig config() {
        return config;
    }

    ConnectionInitializer initializer() {
        return initializer;
    }

    Duration idleCheckInterval() {
        return idleCheckInterval;
    }

    /** @return the loop the next handed-off connection goes to */
    EpollEventLoop nextLoop() {
        return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
    }

    /** @return whether one more connection fits under {@code maxConnections} (then counted) */
    boolean tryReserveConnection() {
        if (openConnections.incrementAndGet() > config.maxConnections()) {
            openConnections.decrementAndGet();
            return false;
        }
        return true;
    }

    void releaseConnection() {
        openConnections.decrementAndGet();
    }

    /** Logs a connection refused over the cap, at most once a second so a flood cannot flood the log. */
    void logRejectedConnection(InetSocketAddress remote) {
        long now = System.nanoTime();
        long last = lastRejectionLogNanos.get();
        if (now - last >= 1_000_000_000L && lastRejectionLogNanos.compareAndSet(last, now)) {
            LOG.warn("refused a connection from {}: {} connections are open, the maximum", remote, config.maxConnections());
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return boundAddress;
    }

    @Override
    public int eventLoopCount() {
        return loops.size();
    }

    @Override
    public int connectionCount() {
        return openConnections.get();
    }

    @Override
    public synchronized CompletableFuture<Void> shutdown(Duration deadline) {
        if (shutdownFuture == null) {
            long deadlineNanos = System.nanoTime() + Math.max(0, deadline.toNanos());
            List<CompletableFuture<Void>> ends = new ArrayList<>();
            for (EpollEventLoop loop : loops) {
                ends.add(loop.terminationFuture());
                try {
                    loop.execute(() -> loop.beginGracefulShutdown(deadlineNanos));
                } catch (RejectedExecutionException e) {
                    // Already ended: its future is complete.
                }
            }
            shutdownFuture = CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new));
        }
        return shutdownFuture;
    }

    @Override
    public void close() {
        for (EpollEventLoop loop : loops) {
            try {
                loop.execute(loop::stopNow);
            } catch (RejectedExecutionException e) {
                // Already ended.
            }
        }
        for (EpollEventLoop loop : loops) {
            if (!loop.inEventLoop()) {
                loop.terminationFuture().join();
            }
        }
    }
}
