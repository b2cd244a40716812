package dev.weft.transport.epoll;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.EventLoop;
import dev.weft.spi.TransportConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted socket, confined to its {@link EpollEventLoop}.
 *
 * <p><b>Ownership</b>: every field is read and written only by the loop thread, except
 * {@link #open}, which the loop writes and any thread may read. Output goes into {@link #queue}
 * ({@link Outbound.Bytes} and {@link Outbound.File} in order); {@link #sendQueued} drains it with
 * gathering {@code sendmsg} and {@code sendfile} passes until the socket would block, then waits
 * for EPOLLOUT.
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
    /**
     * Whether consecutive file regions of one channel share one duplicated fd (default on;
     * {@code -Dweft.epoll.fileBatching=false} turns it off, for comparisons).
     */
    static final boolean FILE_BATCHING = !"false".equals(System.getProperty("weft.epoll.fileBatching"));
    /** Bytes one send-loop pass over a file region asks the kernel for (seed 001's pass size). */
    static final long FILE_PASS_BYTES = 1024 * 1024;
    /** Passes per turn before other connections get the loop. */
    private static final int FILE_PASSES_PER_TURN = 8;

    /** What waits in the output queue. */
    private sealed interface Outbound {
        /** Heap or direct bytes; the buffer's position advances as they go out. */
        record Bytes(ByteBuffer buffer) implements Outbound {
        }

        /** A file region and what is left of it. */
        static final class File implements Outbound {
            final FileRegionSource source;
            final ProgressListener listener;
            long remaining;

            File(FileRegionSource source, long count, ProgressListener listener) {
                this.source = source;
                this.remaining = count;
                this.listener = listener;
            }
        }
    }

    /** How one turn over a file region ended. */
    private enum FileTurn { DONE, WOULD_BLOCK, YIELDED, FAILED }

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

    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private long pendingBytes;
    private boolean writable = true;
    /** The socket said EAGAIN: wait for EPOLLOUT before sending again. */
    private boolean waitingForSocket;
    /** A file turn yielded with the socket still writable: continue from {@link #resumeDeferred}. */
    private boolean sendDeferred;
    /** {@link #sendQueued} is on the stack: nested flushes leave the sending to it. */
    private boolean sending;

    private boolean readPausedByHandler;
    private boolean inputClosed;
    private boolean outputShutdownRequested;
    private boolean outputShut;
    /** The socket may hold unread bytes (edge-triggered bookkeeping; harmless when level-triggered). */
    private boolean readReady;
    private boolean readDeferred;
    /** epoll reported the peer's FIN (EPOLLRDHUP) or a hang-up: end of stream waits behind the bytes. */
    private boolean peerFinished;
    /** The channel of the last file region queued, and its duplicated fd; see {@link #openSource}. */
    private FileChannel sharedChannel;
    private FileRegionSource.SharedFd sharedFd;
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
        } else if (!writable) {
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
        queue.add(new Outbound.Bytes(buffer));
        pendingBytes += buffer.remaining();
        checkHighWatermark();
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
        FileRegionSource source;
        try {
            source = openSource(file, position, count);
        } catch (IOException | RuntimeException e) {
            closeOnLoop(new IOException("cannot send file region (" + position + ", " + count + "): " + e.getMessage(), e), false);
            return;
        }
        queue.add(new Outbound.File(source, count, listener));
        pendingBytes += count;
        checkHighWatermark();
    }

    /**
     * Opens a region's source, reusing the fd duplicated for the previous region when it came
     * from the same (still open) channel: HTTP/2 sends a file as one region per DATA frame.
     */
    private FileRegionSource openSource(FileChannel file, long position, long count) throws IOException {
        if (FILE_BATCHING && file == sharedChannel && sharedFd != null && file.isOpen()) {
            return FileRegionSource.sharing(sharedFd, position);
        }
        FileRegionSource source = FileRegionSource.open(file, position, count);
        releaseSharedFd();
        if (FILE_BATCHING && source instanceof FileRegionSource.Sendfile sendfile) {
            sharedChannel = file;
            sharedFd = sendfile.shared().retain();
        }
        return source;
    }

    /** Drops the connection's hold on the last channel's fd (queued regions keep theirs). */
    private void releaseSharedFd() {
        if (sharedFd != null) {
            sharedFd.release();
            sharedFd = null;
            sharedChannel = null;
        }
    }

    @Override
    public void flush() {
        checkLoop("flush");
        if (!open || waitingForSocket) {
            return;
        }
        if (loop.coalescingFlushes() && pendingBytes < COALESCE_MAX_PENDING) {
            if (!sendDeferred) {
                sendDeferred = true;
                if (!readDeferred) {
                    loop.defer(this);
                }
            }
            return;
        }
        sendQueued();
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public long pendingOutputBytes() {
        return pendingBytes;
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
        if (queue.isEmpty()) {
            finishOutputShutdown();
        } else if (!waitingForSocket) {
            sendQueued();
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
            if (waitingForSocket) {
                waitingForSocket = false;
                sendQueued();
            }
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
        return open && !inputClosed && !readPausedByHandler && writable;
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
            if (!waitingForSocket) {
                sendQueued();
            }
        }
        if (open && readReady && readingEnabled()) {
            readAvailable();
        }
    }

    /**
     * Sends queued output until the queue is empty or the socket is full. Not re-entrant: a
     * handler that flushes from a callback made inside this loop (writability, progress) only
     * queues, and this loop sends it.
     */
    private void sendQueued() {
        if (sending) {
            return;
        }
        sending = true;
        try {
            sendQueuedNow();
        } finally {
            sending = false;
        }
    }

    private void sendQueuedNow() {
        while (open) {
            Outbound head = queue.peekFirst();
            if (head == null) {
                outputDrained();
                return;
            }
            if (head instanceof Outbound.File file) {
                FileTurn turn = sendFileTurn(file);
                switch (turn) {
                    case DONE -> {
                        continue;
                    }
                    case WOULD_BLOCK -> waitForSocket();
                    case YIELDED -> {
                        sendDeferred = true;
                        loop.defer(this);
                    }
                    case FAILED -> {
                    }
                }
                return;
            }
            long sent = sendGathered();
            if (sent == -Errno.EAGAIN.number) {
                waitForSocket();
                return;
            }
            if (sent < 0) {
                closeOnLoop(new NativeCallException("sendmsg", (int) -sent), false);
                return;
            }
            consumeSent(sent);
        }
    }

    /** One gathering sendmsg over the leading byte buffers of the queue. */
    private long sendGathered() {
        MemorySegment iovecs = loop.iovecs;
        MemorySegment staging = loop.staging;
        long stagingUsed = 0;
        int count = 0;
        int flags = 0;
        for (Outbound item : queue) {
            if (item instanceof Outbound.File file) {
                // A file region follows these bytes (an HTTP/2 DATA frame header, typically):
                // hold them back so they share packets with the sendfile payload, which is
                // sent right after and, being the last call, pushes them out.
                flags = file.remaining > 0 ? LinuxNative.MSG_MORE : 0;
                break;
            }
            if (!(item instanceof Outbound.Bytes(ByteBuffer buffer)) || count == EpollEventLoop.MAX_IOVECS) {
                break;
            }
            MemorySegment source = MemorySegment.ofBuffer(buffer);
            MemorySegment native_;
            if (source.isNative()) {
                native_ = source;
            } else {
                long room = staging.byteSize() - stagingUsed;
                if (room == 0) {
                    break;
                }
                long take = Math.min(room, source.byteSize());
                native_ = staging.asSlice(stagingUsed, take);
                MemorySegment.copy(source, 0, native_, 0, take);
                stagingUsed += take;
            }
            iovecs.set(ValueLayout.ADDRESS, count * LinuxNative.IOVEC_SIZE, native_);
            iovecs.set(ValueLayout.JAVA_LONG, count * LinuxNative.IOVEC_SIZE + 8, native_.byteSize());
            count++;
            if (native_.byteSize() < source.byteSize()) {
                break;
            }
        }
        loop.msghdr.set(ValueLayout.JAVA_LONG, LinuxNative.MSGHDR_IOVLEN_OFFSET, count);
        return LinuxNative.sendmsg(fd, loop.msghdr, flags);
    }

    private void consumeSent(long sent) {
        if (sent > 0) {
            lastProgressNanos = System.nanoTime();
        }
        long left = sent;
        while (left > 0) {
            Outbound.Bytes head = (Outbound.Bytes) queue.peekFirst();
            ByteBuffer buffer = head.buffer();
            int take = (int) Math.min(left, buffer.remaining());
            buffer.position(buffer.position() + take);
            left -= take;
            if (!buffer.hasRemaining()) {
                queue.pollFirst();
            }
        }
        pendingBytes -= sent;
        checkLowWatermark();
    }

    /**
     * Runs send-loop passes over the head file region: each pass asks for up to
     * {@link #FILE_PASS_BYTES} and reports {@code Sent}, {@code WouldBlock} or {@code Done}.
     */
    private FileTurn sendFileTurn(Outbound.File file) {
        for (int pass = 0; pass < FILE_PASSES_PER_TURN; pass++) {
            long want = Math.min(FILE_PASS_BYTES, file.remaining);
            long moved = 0;
            while (moved < want) {
                long n = file.source.send(fd, want - moved, loop.offsetScratch);
                if (n > 0) {
                    moved += n;
                    file.remaining -= n;
                    pendingBytes -= n;
                } else if (n == -Errno.EAGAIN.number) {
                    if (moved > 0) {
                        lastProgressNanos = System.nanoTime();
                    }
                    checkLowWatermark();
                    if (!open) {
                        return FileTurn.FAILED;
                    }
                    return report(file, new SendProgress.WouldBlock(moved)) ? FileTurn.WOULD_BLOCK : FileTurn.FAILED;
                } else if (n == 0) {
                    closeOnLoop(new IOException("file region ended early: " + file.remaining
                            + " bytes were still due, but the file is shorter than the region"), false);
                    return FileTurn.FAILED;
                } else {
                    closeOnLoop(new NativeCallException(file.source.callName(), (int) -n), false);
                    return FileTurn.FAILED;
                }
            }
            if (moved > 0) {
                lastProgressNanos = System.nanoTime();
            }
            if (file.remaining == 0) {
                queue.pollFirst();
                file.source.close();
                checkLowWatermark();
                if (!open) {
                    return FileTurn.FAILED;
                }
                return report(file, new SendProgress.Done(moved)) ? FileTurn.DONE : FileTurn.FAILED;
            }
            checkLowWatermark();
            // The handler may have closed the connection (freeing this region) when it heard.
            if (!open || !report(file, new SendProgress.Sent(moved))) {
                return FileTurn.FAILED;
            }
        }
        return FileTurn.YIELDED;
    }

    /** @return whether the connection is still open after the listener heard {@code progress} */
    private boolean report(Outbound.File file, SendProgress progress) {
        try {
            file.listener.onProgress(progress);
        } catch (RuntimeException e) {
            handlerFailed("the file region's progress listener", e);
            return false;
        }
        return open;
    }

    private void waitForSocket() {
        waitingForSocket = true;
        updateInterest();
    }

    private void outputDrained() {
        releaseSharedFd();
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

    private void checkHighWatermark() {
        if (writable && pendingBytes > config.writeHighWatermark()) {
            writable = false;
            notifyWritability(false);
            readingMayHaveChanged();
        }
    }

    private void checkLowWatermark() {
        if (!writable && pendingBytes <= config.writeLowWatermark()) {
            writable = true;
            notifyWritability(true);
            readingMayHaveChanged();
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
        int wanted = (readingEnabled() ? LinuxNative.EPOLLIN : 0) | (waitingForSocket ? LinuxNative.EPOLLOUT : 0);
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

    private void handlerFailed(String callback, RuntimeException e) {
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
        if (!reset && cause == null && !waitingForSocket && !queue.isEmpty()) {
            sendLastWords();
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
        for (Outbound item : queue) {
            if (item instanceof Outbound.File file) {
                file.source.close();
            }
        }
        queue.clear();
        releaseSharedFd();
        pendingBytes = 0;
        LinuxNative.close(fd);
        loop.forget(this);
        if (handler != null) {
            notifyClosed(handler, cause);
        }
    }

    /** One non-blocking attempt at the queued bytes, without waiting for the socket. */
    private void sendLastWords() {
        Outbound head = queue.peekFirst();
        if (head instanceof Outbound.Bytes) {
            long sent = sendGathered();
            if (sent > 0) {
                consumeSent(sent);
            }
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
