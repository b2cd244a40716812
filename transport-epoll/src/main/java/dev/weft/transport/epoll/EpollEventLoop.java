package dev.weft.transport.epoll;

import dev.weft.spi.Cancellable;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.EventLoop;
import dev.weft.spi.EventLoopCore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread around one epoll instance: it owns a listening socket (or none, in handoff
 * mode on loops other than 0), its connections, its timers and its native scratch memory.
 *
 * <p><b>Ownership</b>: everything here except {@link #state} and the {@link EventLoopCore}'s
 * task queue is touched only by {@link #thread}. Other threads hand work in with
 * {@link #execute}; the core rings {@link #wakeFd} (an eventfd) when the loop sleeps, so
 * {@code epoll_wait} returns.
 *
 * <p><b>Native memory</b> (one shared arena per loop, freed when the loop ends): the epoll event
 * array, a read buffer handed to handlers as a {@link ByteBuffer} view, a staging area heap
 * buffers are copied into for gathering {@code sendmsg}, and the iovec/msghdr/sockaddr scratch.
 */
final class EpollEventLoop implements EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(EpollEventLoop.class);

    /** epoll data key of the wake-up eventfd; connection keys are positive ids. */
    private static final long WAKE_KEY = -1;
    /** epoll data key of this loop's listening socket. */
    private static final long LISTENER_KEY = -2;
    private static final int MAX_EVENTS = 512;
    /** Accepts per listener event, so a connection storm cannot starve established connections. */
    private static final int MAX_ACCEPTS_PER_EVENT = 128;
    /** How long the listener rests when the process is out of fds (else level-triggered accept spins). */
    private static final Duration ACCEPT_BACKOFF = Duration.ofMillis(100);
    static final int MAX_IOVECS = 64;
    static final int STAGING_BYTES = 256 * 1024;
    /** File bytes one gathering write carries at most (EpollOutput): 32 DATA frames of 16 KiB. */
    static final int FILE_STAGING_BYTES = 512 * 1024;
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    /** Loop lifecycle; written by the loop thread except RUNNING -> the first stop request. */
    private enum State { RUNNING, DRAINING, STOPPING, TERMINATED }

    final EpollServer server;
    final EpollTuning tuning;
    final int index;
    private final Thread thread;
    private final int epollFd;
    private final int wakeFd;
    /** Listening socket registered on this loop, or -1; loop thread after start. */
    private int listenFd;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    final MemorySegment ctlScratch;
    final MemorySegment readBuffer;
    final ByteBuffer readView;
    final MemorySegment staging;
    final MemorySegment fileStaging;
    final MemorySegment iovecs;
    final MemorySegment msghdr;
    final MemorySegment offsetScratch;
    private final MemorySegment sockaddr;
    private final MemorySegment socklen;
    private final MemorySegment wakeWord;
    /** The constant 1 that rings the eventfd; read-only after construction, shared by ringing threads. */
    private final MemorySegment wakeIncrement;

    /** Tasks, wake-up decision and timers (the transports' shared core); {@link #ringWakeFd} is its waker. */
    private final EventLoopCore core;
    /** The dups of cached files' fds, shared by this loop's connections. Loop thread. */
    final CachedFileFds cachedFileFds;
    private volatile State state = State.RUNNING;
    /** Guards {@link #wakeFdClosed} and the closing of {@link #wakeFd} against concurrent rings. */
    private final Object wakeLock = new Object();
    private boolean wakeFdClosed;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private final Map<Long, EpollConnection> connections = new HashMap<>();
    /** Connections with work left over from a turn cut short for fairness. */
    private final ArrayDeque<EpollConnection> deferred = new ArrayDeque<>();
    /** Whether {@link #runTasks} is running, so that flushes may wait for {@link #runDeferred}. */
    private boolean inTasks;

    EpollEventLoop(EpollServer server, EpollTuning tuning, int index, int readBufferSize) throws NativeCallException {
        this.server = server;
        this.tuning = tuning;
        this.index = index;
        this.listenFd = -1;
        int epoll = LinuxNative.epollCreate();
        int wake;
        try {
            wake = LinuxNative.eventfd();
        } catch (NativeCallException e) {
            LinuxNative.close(epoll);
            arena.close();
            throw e;
        }
        this.epollFd = epoll;
        this.wakeFd = wake;
        this.wakeIncrement = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
        this.events = arena.allocate(LinuxNative.EPOLL_EVENT.arrayBytes(MAX_EVENTS), 8);
        this.ctlScratch = arena.allocate(16, 8);
        this.readBuffer = arena.allocate(readBufferSize, 64);
        this.readView = readBuffer.asByteBuffer();
        this.staging = arena.allocate(STAGING_BYTES, 64);
        this.fileStaging = arena.allocate(FILE_STAGING_BYTES, 4096);
        this.iovecs = arena.allocate(MAX_IOVECS * LinuxNative.IOVEC_SIZE, 8);
        this.msghdr = arena.allocate(LinuxNative.MSGHDR_SIZE, 8);
        this.msghdr.set(ValueLayout.ADDRESS, LinuxNative.MSGHDR_IOV_OFFSET, iovecs);
        this.offsetScratch = arena.allocate(8, 8);
        this.sockaddr = arena.allocate(LinuxNative.SOCKADDR_STORAGE_SIZE, 8);
        this.socklen = arena.allocate(4, 4);
        this.wakeWord = arena.allocate(8, 8);
        try {
            LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_ADD, wakeFd, LinuxNative.EPOLLIN, WAKE_KEY, ctlScratch);
        } catch (NativeCallException e) {
            releaseNative();
            throw e;
        }
        this.thread = Thread.ofPlatform().name("weft-epoll-" + server.serverId + "-" + index).unstarted(this::run);
        this.core = new EventLoopCore(thread.getName(), this::ringWakeFd);
        core.bind(thread);
        this.cachedFileFds = new CachedFileFds(core);
    }

    /** Adopts a bound, listening socket; called before {@link #start}. */
    void adoptListener(int fd) {
        this.listenFd = fd;
    }

    void start() {
        thread.start();
    }

    /** Frees the native resources of a loop whose thread never started (start-up failed). */
    void stopBeforeStart() {
        state = State.TERMINATED;
        closeListener();
        releaseNative();
        terminated.complete(null);
    }

    CompletableFuture<Void> terminationFuture() {
        return terminated;
    }

    Thread thread() {
        return thread;
    }

    @Override
    public boolean inEventLoop() {
        return core.inEventLoop();
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task is null");
        if (state == State.TERMINATED) {
            throw new RejectedExecutionException("event loop " + index + " has terminated");
        }
        core.execute(task);
        if (state == State.TERMINATED && core.remove(task)) {
            // The loop ended between our check and our add, and its last drain missed the task.
            throw new RejectedExecutionException("event loop " + index + " has terminated");
        }
    }

    private void ringWakeFd() {
        // Under wakeLock: the loop may be closing wakeFd, and writing to a number the kernel has
        // since given to another file would corrupt it.
        synchronized (wakeLock) {
            if (wakeFdClosed) {
                return;
            }
            ringOpenWakeFd();
        }
    }

    private void ringOpenWakeFd() {
        // WAKE_INCREMENT is never written after construction, so any number of threads may hand
        // it to the kernel at once; it is freed only after wakeFdClosed is set under wakeLock.
        long result = LinuxNative.write(wakeFd, wakeIncrement, 8);
        if (result < 0 && result != -Errno.EAGAIN.number) {
            // EAGAIN means the counter is already huge, i.e. rung; anything else means the loop is gone.
            LOG.debug("ringing loop {} failed: {}", index, Errno.nameOf((int) -result));
        }
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        if (state == State.TERMINATED) {
            throw new RejectedExecutionException("event loop " + index + " has terminated");
        }
        return core.schedule(task, delay);
    }

    /** Registers a freshly accepted socket here; loop thread. */
    void register(int fd, InetSocketAddress remote, ConnectionInitializer initializer) {
        if (state != State.RUNNING) {
            LinuxNative.close(fd);
            server.releaseConnection();
            return;
        }
        InetSocketAddress local;
        try {
            LinuxNative.setIntOption(fd, LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NODELAY, 1, ctlScratch);
            local = SocketAddresses.decode(sockaddr, LinuxNative.getsockname(fd, sockaddr, socklen));
            EpollConnection connection = new EpollConnection(CONNECTION_IDS.incrementAndGet(), fd, this, local, remote,
                    server.config());
            LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_ADD, fd, connection.initialInterest(), connection.id(), ctlScratch);
            connections.put(connection.id(), connection);
            connection.initialize(initializer);
        } catch (NativeCallException | RuntimeException e) {
            // The peer may have reset between accept and here (getsockname fails): not our error.
            LOG.debug("dropping connection from {} before it started: {}", remote, e.toString());
            LinuxNative.close(fd);
            server.releaseConnection();
        }
    }

    /** Changes a connection's registration; loop thread. */
    void modifyInterest(EpollConnection connection, int interest) throws NativeCallException {
        LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_MOD, connection.fd(), interest, connection.id(), ctlScratch);
    }

    /** Forgets a connection that has closed its fd; loop thread. */
    void forget(EpollConnection connection) {
        connections.remove(connection.id());
        server.releaseConnection();
    }

    /** Asks the loop to come back to {@code connection} after this turn; loop thread. */
    void defer(EpollConnection connection) {
        deferred.add(connection);
    }

    /** Stops accepting and asks every connection to wind down; loop thread. */
    void beginGracefulShutdown(long deadlineNanos) {
        if (state != State.RUNNING) {
            return;
        }
        state = State.DRAINING;
        closeListener();
        core.scheduleAt(deadlineNanos, this::forceCloseAll);
        for (EpollConnection connection : new ArrayList<>(connections.values())) {
            connection.shutdownRequested();
        }
    }

    /** Force-closes every connection (the graceful deadline passed); loop thread. */
    private void forceCloseAll() {
        for (EpollConnection connection : new ArrayList<>(connections.values())) {
            connection.closeOnLoop(null, false);
        }
    }

    /** Aborts everything and ends the loop; loop thread. */
    void stopNow() {
        state = State.STOPPING;
        closeListener();
        for (EpollConnection connection : new ArrayList<>(connections.values())) {
            connection.closeOnLoop(null, true);
        }
    }

    private void closeListener() {
        if (listenFd >= 0) {
            LinuxNative.close(listenFd);
            listenFd = -1;
        }
    }

    private void run() {
        try {
            if (listenFd >= 0) {
                LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_ADD, listenFd, LinuxNative.EPOLLIN, LISTENER_KEY, ctlScratch);
            }
            if (server.idleCheckInterval() != null) {
                scheduleIdleCheck();
            }
            while (true) {
                runTasks();
                core.runDueTimers();
                runDeferred();
                if (state == State.STOPPING || (state == State.DRAINING && connections.isEmpty())) {
                    break;
                }
                boolean tasksQueued = core.beforeWait();
                int timeout = !tasksQueued && deferred.isEmpty() ? millisToNextTimer() : 0;
                int ready = LinuxNative.epollWait(epollFd, events, MAX_EVENTS, timeout);
                core.afterWait();
                if (ready < 0) {
                    LOG.error("epoll_wait failed on loop {}: {}; the loop ends", index, Errno.nameOf(-ready));
                    break;
                }
                for (int i = 0; i < ready; i++) {
                    int mask = events.get(ValueLayout.JAVA_INT_UNALIGNED, LinuxNative.EPOLL_EVENT.eventsAt(i));
                    long key = events.get(ValueLayouts.LONG_UNALIGNED, LinuxNative.EPOLL_EVENT.dataAt(i));
                    dispatch(key, mask);
                }
            }
        } catch (Throwable fatal) {
            LOG.error("event loop {} failed; closing its connections", index, fatal);
        } finally {
            terminate();
        }
    }

    private void dispatch(long key, int mask) {
        try {
            if (key == WAKE_KEY) {
                LinuxNative.read(wakeFd, wakeWord, 8); // the core decides when to ring again
            } else if (key == LISTENER_KEY) {
                acceptPending();
            } else {
                EpollConnection connection = connections.get(key);
                if (connection != null) {
                    connection.onEpollEvent(mask);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("event handling failed on loop {} (key {})", index, key, e);
        }
    }

    private void acceptPending() {
        for (int i = 0; i < MAX_ACCEPTS_PER_EVENT && listenFd >= 0; i++) {
            int fd = LinuxNative.accept4(listenFd, sockaddr, socklen);
            if (fd == -Errno.EAGAIN.number) {
                return;
            }
            if (fd < 0) {
                int errno = -fd;
                if (errno == Errno.ECONNABORTED.number || errno == Errno.EPROTO.number) {
                    continue;
                }
                LOG.warn("accept4 failed on loop {}: {}; pausing accepts for {} ms", index, Errno.nameOf(errno), ACCEPT_BACKOFF.toMillis());
                pauseAccepting();
                return;
            }
            InetSocketAddress remote;
            try {
                remote = SocketAddresses.decode(sockaddr, socklen.get(ValueLayout.JAVA_INT, 0));
            } catch (IllegalArgumentException e) {
                LinuxNative.close(fd);
                continue;
            }
            if (!server.tryReserveConnection()) {
                LinuxNative.close(fd);
                server.logRejectedConnection(remote);
                continue;
            }
            EpollEventLoop target = tuning.accept() == EpollTuning.Accept.HANDOFF ? server.nextLoop() : this;
            if (target == this) {
                register(fd, remote, server.initializer());
            } else {
                handOff(target, fd, remote);
            }
        }
    }

    private void handOff(EpollEventLoop target, int fd, InetSocketAddress remote) {
        try {
            target.execute(() -> target.register(fd, remote, server.initializer()));
        } catch (RejectedExecutionException e) {
            LinuxNative.close(fd);
            server.releaseConnection();
        }
    }

    private void pauseAccepting() {
        int fd = listenFd;
        try {
            LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_DEL, fd, 0, LISTENER_KEY, ctlScratch);
        } catch (NativeCallException e) {
            LOG.warn("could not pause the listener: {}", e.getMessage());
            return;
        }
        core.scheduleAt(System.nanoTime() + ACCEPT_BACKOFF.toNanos(), () -> {
            if (listenFd == fd && state == State.RUNNING) {
                try {
                    LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_ADD, fd, LinuxNative.EPOLLIN, LISTENER_KEY, ctlScratch);
                } catch (NativeCallException e) {
                    LOG.error("could not resume the listener on loop {}: {}", index, e.getMessage());
                }
            }
        });
    }

    private void scheduleIdleCheck() {
        Duration interval = server.idleCheckInterval();
        core.scheduleAt(System.nanoTime() + interval.toNanos(), () -> {
            long now = System.nanoTime();
            for (EpollConnection connection : new ArrayList<>(connections.values())) {
                connection.checkIdle(now);
            }
            scheduleIdleCheck();
        });
    }

    private void runTasks() {
        inTasks = true;
        try {
            core.runTasks();
        } finally {
            inTasks = false;
        }
    }

    /**
     * Whether a flush asked for now can wait for {@link #runDeferred}, which follows the task
     * pass before the loop waits again. Handler threads hand each response piece to the loop as
     * its own task, and each used to end in a {@code sendmsg}; sending them together makes one
     * gathering write per connection and pass instead. Loop thread.
     */
    boolean coalescingFlushes() {
        return inTasks && EpollConnection.COALESCE_FLUSHES;
    }

    private void runDeferred() {
        for (int budget = deferred.size(); budget > 0; budget--) {
            EpollConnection connection = deferred.poll();
            if (connection.isOpen()) {
                runGuarded(connection::resumeDeferred, "deferred work");
            }
        }
    }

    private void runGuarded(Runnable work, String what) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.error("{} failed on event loop {}", what, index, e);
        }
    }

    /** @return the epoll_wait timeout: -1 waits until woken (no timer), 0 returns at once (one is due) */
    private int millisToNextTimer() {
        long nanos = core.nanosToNextTimer();
        if (nanos == Long.MAX_VALUE) {
            return -1;
        }
        return nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos) + 1);
    }

    private void terminate() {
        state = State.TERMINATED;
        closeListener();
        for (EpollConnection connection : new ArrayList<>(connections.values())) {
            connection.closeOnLoop(null, true);
        }
        cachedFileFds.close();
        // Tasks that slipped in before TERMINATED was visible: run them so nothing waits forever.
        core.drainTasks();
        releaseNative();
        terminated.complete(null);
    }

    private void releaseNative() {
        synchronized (wakeLock) {
            wakeFdClosed = true;
            LinuxNative.close(wakeFd);
        }
        LinuxNative.close(epollFd);
        arena.close();
    }
}
