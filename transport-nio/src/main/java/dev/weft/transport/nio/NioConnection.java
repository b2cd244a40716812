package dev.weft.transport.nio;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Connection} over a non-blocking {@link SocketChannel}.
 *
 * <p>Ownership: every field but {@link #open} is owned by the loop thread; {@link #close()} and
 * {@link #abort()} from other threads hop to the loop.
 */
final class NioConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(NioConnection.class);
    private static final AtomicLong IDS = new AtomicLong();
    /** Reads per readiness event before giving other connections a turn. */
    private static final int READS_PER_EVENT = 4;
    /**
     * Whether flushes asked for by loop tasks wait for the end of the task pass (default on;
     * {@code -Dweft.transport.coalesceFlushes=false} sends each at once, for comparisons).
     */
    static final boolean COALESCE_FLUSHES =
            !"false".equals(System.getProperty("weft.transport.coalesceFlushes"));
    /**
     * Coalescing is for many small pieces; past this much queued output (a file's DATA frames,
     * say) the flush goes out at once, so large output does not wait in bursts behind the
     * task pass and trip back-pressure. Without this bound, S4 (many 64 KiB files) served
     * about half the requests per CPU-second (docs/PERFORMANCE.md).
     */
    static final long COALESCE_MAX_PENDING = Long.getLong("weft.transport.coalesceMaxPending", 64 * 1024);
    private final long id = IDS.incrementAndGet();
    private final SocketChannel channel;
    private final NioEventLoop loop;
    private final NioListener listener;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final NioOutput output;
    private SelectionKey key;
    private ConnectionHandler handler;
    private boolean userReadPaused;
    private boolean inputClosed;
    private boolean outputShutdownRequested;
    private boolean outputShutdown;
    /** Set while writeQueued runs, so a listener that flushes from a callback does not recurse. */
    private boolean writing;
    /** Set while this connection waits in the loop's end-of-task-pass flush list. */
    private boolean flushQueued;
    private volatile boolean open = true;
    long lastActivityNanos = System.nanoTime();

    NioConnection(SocketChannel channel, NioEventLoop loop, NioListener listener) throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.listener = listener;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        this.output = new NioOutput(this, channel, listener.config());
    }

    /** Registers with the loop's selector and asks the initializer for a handler. Loop thread. */
    void start() throws IOException {
        key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
        loop.register(this);
        handler = listener.initializer().initialize(this);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    ConnectionHandler handler() {
        return handler;
    }

    @Override
    public void write(ByteBuffer buffer) {
        checkInLoop();
        if (!open || outputShutdownRequested || !buffer.hasRemaining()) {
            return;
        }
        output.addBytes(buffer);
    }

    @Override
    public void writeFile(FileChannel file, long position, long count, ProgressListener progress) {
        checkInLoop();
        if (!open || outputShutdownRequested) {
            return;
        }
        if (count == 0) {
            progress.onProgress(new SendProgress.Done(0));
            return;
        }
        output.addFile(file, position, count, progress);
    }

    @Override
    public void flush() {
        checkInLoop();
        if (!open) {
            return;
        }
        if (loop.coalescingFlushes() && output.pendingBytes() < COALESCE_MAX_PENDING) {
            if (!flushQueued) {
                flushQueued = true;
                loop.flushAfterTasks(this);
            }
            return;
        }
        writeQueued();
    }

    /** The loop's end-of-task-pass flush. Loop thread. */
    void flushCoalesced() {
        flushQueued = false;
        if (open) {
            writeQueued();
        }
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
        // FileChannel.transferTo to a socket uses sendfile(2) on Linux.
        return true;
    }

    @Override
    public void setReadPaused(boolean paused) {
        checkInLoop();
        userReadPaused = paused;
        updateInterest();
    }

    @Override
    public void shutdownOutput() {
        checkInLoop();
        if (!open || outputShutdownRequested) {
            return;
        }
        outputShutdownRequested = true;
        writeQueued();
    }

    @Override
    public void close() {
        if (loop.inEventLoop()) {
            closeNow(null, false);
        } else if (open) {
            loop.execute(() -> closeNow(null, false));
        }
    }

    @Override
    public void abort() {
        if (loop.inEventLoop()) {
            closeNow(null, true);
        } else if (open) {
            loop.execute(() -> closeNow(null, true));
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public String toString() {
        return "nio#" + id + " " + remoteAddress;
    }

    /** Selector readiness. Loop thread. */
    void onReady(SelectionKey readyKey) {
        if (!readyKey.isValid()) {
            return;
        }
        int ready = readyKey.readyOps();
        if ((ready & SelectionKey.OP_WRITE) != 0) {
            writeQueued();
        }
        if (open && (ready & SelectionKey.OP_READ) != 0) {
            readAvailable();
        }
    }

    private void readAvailable() {
        ByteBuffer buffer = loop.readBuffer();
        for (int i = 0; i < READS_PER_EVENT && open && !inputClosed && readAllowed(); i++) {
            buffer.clear();
            int count;
            try {
                count = channel.read(buffer);
            } catch (IOException e) {
                closeNow(e, true);
                return;
            }
            if (count < 0) {
                inputClosed = true;
                updateInterest();
                handler.onInputClosed();
                closeIfBothSidesDone();
                return;
            }
            if (count == 0) {
                return;
            }
            lastActivityNanos = System.nanoTime();
            buffer.flip();
            handler.onRead(buffer);
            if (buffer.capacity() > count) {
                return; // the socket had less than a full buffer: it is drained
            }
        }
    }

    private boolean readAllowed() {
        return output.isWritable() && !userReadPaused;
    }

    /** Sends queued output until done or the socket is full. Loop thread. */
    private void writeQueued() {
        if (writing) {
            return;
        }
        writing = true;
        try {
            output.drain();
        } catch (IOException e) {
            closeNow(e, true);
            return;
        } finally {
            writing = false;
        }
        if (!open) {
            return;
        }
        if (output.isEmpty() && outputShutdownRequested && !outputShutdown) {
            outputShutdown = true;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                closeNow(e, true);
                return;
            }
            closeIfBothSidesDone();
            if (!open) {
                return;
            }
        }
        updateInterest();
    }

    /** Both directions have ended: nothing more can happen on this connection. */
    private void closeIfBothSidesDone() {
        if (open && inputClosed && outputShutdown) {
            closeNow(null, false);
        }
    }

    /** {@link NioOutput}: bytes left for the peer (the idle timeout restarts). */
    void outputProgressed() {
        lastActivityNanos = System.nanoTime();
    }

    /** {@link NioOutput}: the queue crossed a watermark; reading follows writability. */
    void writabilityChanged(boolean nowWritable) {
        updateInterest();
        handler.onWritabilityChanged(nowWritable);
    }

    private void updateInterest() {
        if (!open || !key.isValid()) {
            return;
        }
        int interest = 0;
        if (!inputClosed && readAllowed()) {
            interest |= SelectionKey.OP_READ;
        }
        if (!output.isEmpty()) {
            interest |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != interest) {
            key.interestOps(interest);
        }
    }

    /**
     * Closes on the loop thread.
     *
     * @param cause the failure that ended the connection, or null
     * @param reset true to reset (drop output, RST), false to send what the socket takes first
     */
    void closeNow(Throwable cause, boolean reset) {
        if (!open) {
            return;
        }
        if (!reset && !output.isEmpty()) {
            output.sendLastWords();
        }
        open = false;
        if (reset) {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException ignored) {
                // a socket that cannot linger is closed normally
            }
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("{}: close failed: {}", this, e.toString());
        }
        output.discard();
        loop.deregister(this);
        listener.connectionClosed();
        if (handler != null) {
            try {
                handler.onClosed(cause);
            } catch (RuntimeException e) {
                LOG.error("{}: handler failed in onClosed", this, e);
            }
        }
    }

    private void checkInLoop() {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("connection output must be used on its event loop; use eventLoop().execute(...)");
        }
    }


}
