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
import java.util.ArrayDeque;
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
    /** Buffers per gathering write. */
    private static final int MAX_GATHER = 64;

    private final long id = IDS.incrementAndGet();
    private final SocketChannel channel;
    private final NioEventLoop loop;
    private final NioListener listener;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final ArrayDeque<Object> output = new ArrayDeque<>();
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    private SelectionKey key;
    private ConnectionHandler handler;
    private long pendingBytes;
    private boolean writable = true;
    private boolean userReadPaused;
    private boolean inputClosed;
    private boolean outputShutdownRequested;
    private boolean outputShutdown;
    /** Set while writeQueued runs, so a listener that flushes from a callback does not recurse. */
    private boolean writing;
    private volatile boolean open = true;
    long lastActivityNanos = System.nanoTime();

    NioConnection(SocketChannel channel, NioEventLoop loop, NioListener listener) throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.listener = listener;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
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
        output.add(buffer);
        addPending(buffer.remaining());
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
        output.add(new FileChunk(file, position, count, progress));
        addPending(count);
    }

    @Override
    public void flush() {
        checkInLoop();
        if (open) {
            writeQueued();
        }
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
        return writable && !userReadPaused;
    }

    /** Sends queued output until done or the socket is full. Loop thread. */
    private void writeQueued() {
        if (writing) {
            return;
        }
        writing = true;
        try {
            while (!output.isEmpty()) {
                Object head = output.peek();
                if (head instanceof FileChunk chunk) {
                    if (!sendFileChunk(chunk)) {
                        break;
                    }
                } else if (!sendBuffers()) {
                    break;
                }
            }
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

    /** @return true if every gathered buffer went out, false if the socket is full */
    private boolean sendBuffers() throws IOException {
        int count = 0;
        for (Object entry : output) {
            if (!(entry instanceof ByteBuffer buffer) || count == MAX_GATHER) {
                break;
            }
            gather[count++] = buffer;
        }
        ByteBuffer last = gather[count - 1];
        long written = count == 1 ? channel.write(gather[0]) : channel.write(gather, 0, count);
        java.util.Arrays.fill(gather, 0, count, null);
        while (!output.isEmpty() && output.peek() instanceof ByteBuffer buffer && !buffer.hasRemaining()) {
            output.poll();
        }
        if (written > 0) {
            lastActivityNanos = System.nanoTime();
            subtractPending(written);
        }
        return !last.hasRemaining();
    }

    /**
     * Runs the send loop over a file region; each {@code transferTo} is one pass, reported as
     * seed 001's {@code Sent n} / {@code WouldBlock n} / {@code Done n}.
     *
     * @return true if the region is done, false if the socket is full
     */
    private boolean sendFileChunk(FileChunk chunk) throws IOException {
        while (true) {
            long sent = chunk.file.transferTo(chunk.position, chunk.remaining, channel);
            if (sent <= 0) {
                if (chunk.position >= chunk.file.size()) {
                    throw new IOException("file region ends past the end of the file (" + chunk.file.size() + " bytes)");
                }
                chunk.progress.onProgress(new SendProgress.WouldBlock(0));
                return false;
            }
            chunk.position += sent;
            chunk.remaining -= sent;
            lastActivityNanos = System.nanoTime();
            // Poll the chunk before reporting progress so a listener that queues more output
            // (the next DATA frame) sees a consistent queue.
            if (chunk.remaining == 0) {
                output.poll();
                subtractPending(sent);
                chunk.progress.onProgress(new SendProgress.Done(sent));
                return true;
            }
            subtractPending(sent);
            chunk.progress.onProgress(new SendProgress.Sent(sent));
        }
    }

    private void addPending(long bytes) {
        pendingBytes += bytes;
        if (writable && pendingBytes > listener.config().writeHighWatermark()) {
            writable = false;
            updateInterest();
            handler.onWritabilityChanged(false);
        }
    }

    private void subtractPending(long bytes) {
        pendingBytes -= bytes;
        if (!writable && pendingBytes <= listener.config().writeLowWatermark()) {
            writable = true;
            updateInterest();
            handler.onWritabilityChanged(true);
        }
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
            try {
                // One last non-blocking attempt: a goodbye frame usually fits the socket buffer.
                while (!output.isEmpty() && output.peek() instanceof ByteBuffer && sendBuffers()) {
                    // keep going while buffers drain completely
                }
            } catch (IOException ignored) {
                // the peer is gone; closing anyway
            }
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
        output.clear();
        pendingBytes = 0;
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

    /** A queued file region. Loop thread only. */
    private static final class FileChunk {
        final FileChannel file;
        final ProgressListener progress;
        long position;
        long remaining;

        FileChunk(FileChannel file, long position, long count, ProgressListener progress) {
            this.file = file;
            this.position = position;
            this.remaining = count;
            this.progress = progress;
        }
    }
}
