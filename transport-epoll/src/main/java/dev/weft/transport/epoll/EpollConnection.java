package dev.weft.transport.epoll;

import dev.weft.api.ProgressListener;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.EventLoop;
import dev.weft.spi.TransportConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted socket, confined to its {@link EpollEventLoop}.
 *
 * <p><b>Ownership</b>: every field is read and written only by the loop thread, except
 * {@link #open}, which the loop writes and any thread may read. The output side (queue,
 * back-pressure, send loop) is its {@link EpollOutput}; this class keeps the reading side, the
 * epoll interest, the flush coalescing and the lifecycle, and answers the output's hooks.
 */
final class EpollConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(EpollConnection.class);

    /** Reads per readiness event before other connections get a turn. */
    private static final int MAX_READS_PER_TURN = 16;
    /**
     * Whether flushes asked for by loop tasks wait for the end of the task pass (default on;
     * {@code -Dweft.transport.coalesceFlushes=false} sends each at once, for comparisons).
     */
    static final boolean COALESCE_FLUSHES =
            !"false".equals(System.getProperty("weft.transport.coalesceFlushes"));
    /**
     * Past this much queued output a flush goes out at once instead of waiting for the end of
     * the task pass. Unbounded by default here: measured on S1 and S4, a 64 KiB bound cost epoll
     * 5-12% of requests per CPU-second, while NIO (whose default is 64 KiB) needs it
     * (docs/PERFORMANCE.md).
     */
    static final long COALESCE_MAX_PENDING = Long.getLong("weft.transport.coalesceMaxPending", Long.MAX_VALUE);

    private final long id;
    private final int fd;
    private final EpollEventLoop loop;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final TransportConfig config;
    private final boolean edgeTriggered;

    private ConnectionHandler handler;
    private volatile boolean open = true;
    private Throwable closeCause;

    private final EpollOutput output;
    /** A send turn yielded, or a coalesced flush waits: continue from {@link #resumeDeferred}. */
    private boolean sendDeferred;

    private boolean readPausedByHandler;
    private boolean inputClosed;
    private boolean outputShutdownRequested;
    private boolean outputShut;
    /** The socket may hold unread bytes (edge-triggered bookkeeping; harmless when level-triggered). */
    private boolean readReady;
    private boolean readDeferred;
    /** epoll reported the peer's FIN (EPOLLRDHUP) or a hang-up: end of stream waits behind the bytes. */
    private boolean peerFinished;
    /** The interest set epoll has now (level-triggered mode). */
    private int registeredInterest;
    private long lastProgressNanos = System.nanoTime();

    EpollConnection(long id, int fd, EpollEventLoop loop, InetSocketAddress local, InetSocketAddress remote, TransportConfig config) {
        this.id = id;
        this.fd = fd;
        this.loop = loop;
        this.local = local;
        this.remote = remote;
        this.config = config;
        this.edgeTriggered = loop.tuning.trigger() == EpollTuning.Trigger.EDGE;
        this.output = new EpollOutput(this, fd, loop, config);
    }

    int fd() {
        return fd;
    }

    /** @return the events to register with */
    int initialInterest() {
        registeredInterest = edgeTriggered
                ? LinuxNative.EPOLLIN | LinuxNative.EPOLLOUT | LinuxNative.EPOLLRDHUP | LinuxNative.EPOLLET
                : LinuxNative.EPOLLIN;
        return registeredInterest;
    }

    /** Asks the initializer for the handler; loop thread, right after registration. */
    void initialize(ConnectionInitializer initializer) {
        ConnectionHandler created;
        try {
            created = Objects.requireNonNull(initializer.initialize(this), "the initializer returned no handler");
        } catch (RuntimeException e) {
            LOG.warn("connection {} from {}: initializer failed", id, remote, e);
            handler = null;
            closeOnLoop(e, true);
            return;
        }
        handler = created;
        if (!open) {
            // Closed while being initialized: the handler must still hear it, exactly once.
            notifyClosed(created, closeCause);
        } else if (!output.isWritable()) {
            // It wrote past the high watermark before it existed to be told.
            notifyWritability(false);
        }
    }

    // ---- Connection -------------------------------------------------------------------------

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public void write(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer is null");
        checkLoop("write");
        if (!open || outputShutdownRequested || !buffer.hasRemaining()) {
            return;
        }
        output.addBytes(buffer);
    }

    @Override
    public void writeFile(FileChannel file, long position, long count, ProgressListener listener) {
        Objects.requireNonNull(file, "file is null");
        Objects.requireNonNull(listener, "listener is null");
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("position and count must be >= 0: " + position + ", " + count);
        }
        checkLoop("writeFile");
        if (!open || outputShutdownRequested) {
            return;
        }
        try {
            output.addFile(file, position, count, listener);
        } catch (IOException | RuntimeException e) {
            closeOnLoop(new IOException("cannot send file region (" + position + ", " + count + "): " + e.getMessage(), e), false);
        }
    }

    @Override
    public void flush() {
        checkLoop("flush");
        if (!open || output.waitingForSocket()) {
            return;
        }
        if (loop.coalescingFlushes() && output.pendingBytes() < COALESCE_MAX_PENDING) {
            deferSend();
            return;
        }
        output.send();
    }

    @Override
    public boolean isWritable() {
        return output.isWritable();
    }

    @Override
    public long pendingOutputBytes() {
        return output.pendingBytes();
    }

    @Override
    public boolean zeroCopyFiles() {
        return true;
    }

    @Override
    public void setReadPaused(boolean paused) {
        checkLoop("setReadPaused");
        if (readPausedByHandler != paused) {
            readPausedByHandler = paused;
            readingMayHaveChanged();
        }
    }

    @Override
    public void shutdownOutput() {
        checkLoop("shutdownOutput");
        if (!open || outputShutdownRequested) {
            return;
        }
        outputShutdownRequested = true;
        // FIN follows the queued output, so that output must go now (implies flush).
        if (output.isEmpty()) {
            finishOutputShutdown();
        } else {
            output.send();
        }
    }

    @Override
    public void close() {
        onLoop(() -> closeOnLoop(null, false));
    }

    @Override
    public void abort() {
        onLoop(() -> closeOnLoop(null, true));
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public String toString() {
        return "epoll connection " + id + " " + remote + " -> " + local;
    }

    // ---- loop side ----------------------------------------------------------------------------

    private void onLoop(Runnable action) {
        if (!open) {
            return;
        }
        if (loop.inEventLoop()) {
            action.run();
            return;
        }
        try {
            loop.execute(action);
        } catch (RejectedExecutionException e) {
            // The loop has ended, and it closes every connection as it does.
        }
    }

    private void checkLoop(String method) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException(method + " must be called on the connection's event loop (" + loop.thread().getName()
                    + "), not on " + Thread.currentThread().getName() + ": use eventLoop().execute(...)");
        }
    }

    /** Handles one epoll report for this socket. */
    void onEpollEvent(int mask) {
        if (!open) {
            return;
        }
        boolean error = (mask & LinuxNative.EPOLLERR) != 0;
        boolean hangUp = (mask & LinuxNative.EPOLLHUP) != 0;
        if ((mask & LinuxNative.EPOLLOUT) != 0 || error || hangUp) {
            output.socketWritable();
        }
        if (!open) {
            return;
        }
        if ((mask & (LinuxNative.EPOLLIN | LinuxNative.EPOLLRDHUP)) != 0 || error || hangUp) {
            readReady = true;
            if ((mask & LinuxNative.EPOLLRDHUP) != 0 || hangUp) {
                peerFinished = true;
            }
            if (readingEnabled()) {
                readAvailable();
            } else if (error || (hangUp && !edgeTriggered)) {
                // Not reading (paused, or input already ended), yet level-triggered epoll would
                // repeat ERR/HUP forever: the socket is dead both ways, nothing more can be delivered.
                closeOnLoop(new IOException("connection lost " + (error ? "(EPOLLERR)" : "(EPOLLHUP)")
                        + (inputClosed ? " after end of input" : " while reading was paused")), false);
            }
        }
    }

    private boolean readingEnabled() {
        return open && !inputClosed && !readPausedByHandler && output.isWritable();
    }

    private void readAvailable() {
        MemorySegment buffer = loop.readBuffer;
        long capacity = buffer.byteSize();
        for (int i = 0; i < MAX_READS_PER_TURN; i++) {
            long n = LinuxNative.read(fd, buffer, capacity);
            if (n > 0) {
                lastProgressNanos = System.nanoTime();
                ByteBuffer view = loop.readView.clear().limit((int) n);
                try {
                    handler.onRead(view);
                } catch (RuntimeException e) {
                    handlerFailed("onRead", e);
                    return;
                }
                if (n < capacity && !peerFinished) {
                    // A short read emptied the receive queue; new bytes bring a new edge. Not so
                    // the end of stream: its edge may be spent already, so after the peer's FIN
                    // we read on until read says 0.
                    readReady = false;
                    return;
                }
                if (!readingEnabled()) {
                    return;
                }
            } else if (n == 0) {
                readReady = false;
                inputClosed = true;
                updateInterest();
                try {
                    handler.onInputClosed();
                } catch (RuntimeException e) {
                    handlerFailed("onInputClosed", e);
                    return;
                }
                if (outputShut) {
                    closeOnLoop(null, false);
                }
                return;
            } else if (n == -Errno.EAGAIN.number) {
                readReady = false;
                return;
            } else {
                closeOnLoop(new NativeCallException("read", (int) -n), false);
                return;
            }
        }
        // Still readable after a full turn: let other connections in first.
        deferRead();
    }

    private void deferRead() {
        if (!readDeferred) {
            readDeferred = true;
            loop.defer(this);
        }
    }

    /** Continues work cut short for fairness; loop thread. */
    void resumeDeferred() {
        readDeferred = false;
        if (sendDeferred) {
            sendDeferred = false;
            output.send();
        }
        if (open && readReady && readingEnabled()) {
            readAvailable();
        }
    }

    // ---- hooks of the output side ---------------------------------------------------------------

    /** The output moved bytes: the idle clock restarts. */
    void outputProgressed() {
        lastProgressNanos = System.nanoTime();
    }

    /**
     * Sends from {@link #resumeDeferred}, after the other connections' turns: a coalesced flush,
     * or a send turn that yielded with the socket still writable.
     */
    void deferSend() {
        if (!sendDeferred) {
            sendDeferred = true;
            if (!readDeferred) {
                loop.defer(this);
            }
        }
    }

    /** The output crossed a watermark. */
    void writabilityChanged(boolean nowWritable) {
        notifyWritability(nowWritable);
        readingMayHaveChanged();
    }

    /** The output started or stopped waiting for EPOLLOUT. */
    void interestMayHaveChanged() {
        updateInterest();
    }

    /** Everything queued has gone out. */
    void outputDrained() {
        if (outputShutdownRequested && !outputShut) {
            finishOutputShutdown();
        }
        updateInterest();
    }

    private void finishOutputShutdown() {
        outputShut = true;
        int result = LinuxNative.shutdown(fd, LinuxNative.SHUT_WR);
        if (result < 0 && result != -Errno.ENOTCONN.number) {
            closeOnLoop(new NativeCallException("shutdown", -result), false);
            return;
        }
        if (inputClosed) {
            // Both directions are finished: nothing is left to do with this socket.
            closeOnLoop(null, false);
        }
    }

    private void notifyWritability(boolean nowWritable) {
        if (handler == null) {
            return;
        }
        try {
            handler.onWritabilityChanged(nowWritable);
        } catch (RuntimeException e) {
            handlerFailed("onWritabilityChanged", e);
        }
    }

    /** Reading was paused or resumed by the handler or by back-pressure. */
    private void readingMayHaveChanged() {
        if (!open) {
            return;
        }
        updateInterest();
        if (readingEnabled() && readReady) {
            // Edge-triggered epoll will not report bytes that arrived while we were paused.
            deferRead();
        }
    }

    /** Level-triggered: keeps epoll's interest equal to what the connection wants now. */
    private void updateInterest() {
        if (edgeTriggered || !open) {
            return;
        }
        int wanted = (readingEnabled() ? LinuxNative.EPOLLIN : 0) | (output.waitingForSocket() ? LinuxNative.EPOLLOUT : 0);
        if (wanted != registeredInterest) {
            try {
                loop.modifyInterest(this, wanted);
                registeredInterest = wanted;
            } catch (NativeCallException e) {
                closeOnLoop(e, false);
            }
        }
    }

    /** Called by the idle check with the loop's clock. */
    void checkIdle(long nowNanos) {
        long idleNanos = config.idleTimeout().toNanos();
        if (!open || handler == null || nowNanos - lastProgressNanos < idleNanos) {
            return;
        }
        // Reported once per idle period: the handler may choose to keep the connection.
        lastProgressNanos = nowNanos;
        try {
            handler.onIdleTimeout(this);
        } catch (RuntimeException e) {
            handlerFailed("onIdleTimeout", e);
        }
    }

    /** Graceful server stop: the handler winds down. */
    void shutdownRequested() {
        if (!open || handler == null) {
            return;
        }
        try {
            handler.onShutdown(this);
        } catch (RuntimeException e) {
            handlerFailed("onShutdown", e);
        }
    }

    void handlerFailed(String callback, RuntimeException e) {
        LOG.warn("{}: {} threw; closing the connection", this, callback, e);
        closeOnLoop(e, false);
    }

    /**
     * Closes on the loop thread: an orderly close first sends what the socket takes at once; an
     * abort sets SO_LINGER 0 so the kernel answers with RST. Queued output is dropped, file
     * regions freed, and the handler told exactly once.
     */
    void closeOnLoop(Throwable cause, boolean reset) {
        if (!open) {
            return;
        }
        if (!reset && cause == null) {
            output.sendLastWords();
        }
        if (!open) {
            return;
        }
        open = false;
        closeCause = cause;
        if (reset) {
            try {
                LinuxNative.setLinger(fd, true, 0);
            } catch (NativeCallException e) {
                LOG.debug("{}: SO_LINGER failed, closing without reset: {}", this, e.getMessage());
            }
        }
        output.discard();
        LinuxNative.close(fd);
        loop.forget(this);
        if (handler != null) {
            notifyClosed(handler, cause);
        }
    }

    private void notifyClosed(ConnectionHandler target, Throwable cause) {
        try {
            target.onClosed(cause);
        } catch (RuntimeException e) {
            LOG.warn("{}: onClosed threw", this, e);
        }
    }
}
