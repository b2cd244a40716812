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
    /**
     * File regions up to this size (HTTP/2 queues one per DATA frame, 16 KiB unless the peer
     * allows larger frames) are read into the loop thread's staging buffer and leave with the
     * buffers around them in one gathering write; larger ones go out with
     * {@code FileChannel.transferTo}. On Linux every transferTo to a socket costs
     * {@code fstat}, a failed {@code copy_file_range} and {@code sendfile}: a MiB of 16 KiB
     * frames was 256 system calls, gathered it is 4 ({@code -Dweft.nio.fileGatherMax}; 0 sends
     * every region with transferTo; docs/PERFORMANCE.md).
     */
    static final long GATHER_MAX = Long.getLong("weft.nio.fileGatherMax", 64 * 1024);
    /** File bytes one gathering write carries at most: 32 DATA frames of 16 KiB. */
    private static final int FILE_STAGING_BYTES = 512 * 1024;
    /**
     * One direct staging buffer per loop thread (a connection is confined to its loop's thread,
     * and the buffer is refilled by every gathering write, so connections can share it).
     */
    private static final ThreadLocal<ByteBuffer> FILE_STAGING =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(FILE_STAGING_BYTES));

    private final long id = IDS.incrementAndGet();
    private final SocketChannel channel;
    private final NioEventLoop loop;
    private final NioListener listener;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final ArrayDeque<Object> output = new ArrayDeque<>();
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    /** The queue entry behind each {@link #gather} slot, and the bytes it had before the write. */
    private final Object[] gatherOwners = new Object[MAX_GATHER];
    private final long[] gatherBefore = new long[MAX_GATHER];
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
        if (!open) {
            return;
        }
        if (loop.coalescingFlushes() && pendingBytes < COALESCE_MAX_PENDING) {
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
                if (head instanceof FileChunk chunk && !chunk.gathered) {
                    if (!sendFileChunk(chunk)) {
                        break;
                    }
                } else if (!sendGathered()) {
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
     * One gathering write over the leading buffers and small file regions of the queue: the
     * regions are read into the loop thread's staging buffer first, one positional read per run
     * of regions contiguous in one file (an HTTP/2 file's DATA frames).
     *
     * @return true if everything gathered went out, false if the socket is full
     */
    private boolean sendGathered() throws IOException {
        ByteBuffer staging = FILE_STAGING.get();
        int stagingUsed = 0;
        int count = 0;
        // The pending read: bytes [runPosition, +runLength) of runFile into staging at runOffset,
        // filling the gather slots from runFirst on.
        FileChannel runFile = null;
        long runPosition = 0;
        int runOffset = 0;
        int runLength = 0;
        int runFirst = 0;
        for (Object entry : output) {
            if (count == MAX_GATHER) {
                break;
            }
            ByteBuffer slot;
            long wanted;
            if (entry instanceof ByteBuffer buffer) {
                slot = buffer;
                wanted = buffer.remaining();
            } else {
                FileChunk chunk = (FileChunk) entry;
                int room = staging.capacity() - stagingUsed;
                if (!chunk.gathered || room == 0) {
                    break;
                }
                wanted = chunk.remaining;
                int take = (int) Math.min(room, wanted);
                if (runLength > 0 && (chunk.file != runFile || chunk.position != runPosition + runLength)) {
                    int valid = readRun(runFile, runPosition, runOffset, runLength);
                    boolean shortRead = valid < runLength;
                    runLength = 0;
                    if (shortRead) {
                        count = truncate(runFirst, count, valid);
                        break;
                    }
                }
                if (runLength == 0) {
                    runFile = chunk.file;
                    runPosition = chunk.position;
                    runOffset = stagingUsed;
                    runFirst = count;
                }
                runLength += take;
                slot = staging.slice(stagingUsed, take);
                stagingUsed += take;
            }
            gather[count] = slot;
            gatherOwners[count] = entry;
            gatherBefore[count] = slot.remaining();
            count++;
            if (slot.remaining() < wanted) {
                break;
            }
        }
        if (runLength > 0) {
            int valid = readRun(runFile, runPosition, runOffset, runLength);
            if (valid < runLength) {
                count = truncate(runFirst, count, valid);
            }
        }
        if (count == 0) {
            FileChunk chunk = (FileChunk) output.peek();
            throw new IOException("file region ends past the end of the file (" + chunk.file.size() + " bytes)");
        }
        long written = count == 1 ? channel.write(gather[0]) : channel.write(gather, 0, count);
        if (written > 0) {
            lastActivityNanos = System.nanoTime();
        }
        boolean all = true;
        for (int i = 0; i < count; i++) {
            ByteBuffer slot = gather[i];
            Object owner = gatherOwners[i];
            long sent = gatherBefore[i] - slot.remaining();
            gather[i] = null;
            gatherOwners[i] = null;
            if (!open || !all) {
                continue;
            }
            all = !slot.hasRemaining();
            if (owner instanceof FileChunk chunk) {
                chunk.position += sent;
                chunk.remaining -= sent;
                if (chunk.remaining == 0) {
                    output.poll();
                    subtractPending(sent);
                    chunk.progress.onProgress(new SendProgress.Done(sent));
                } else {
                    subtractPending(sent);
                    if (sent > 0) {
                        chunk.progress.onProgress(new SendProgress.Sent(sent));
                    }
                    all = false;
                }
            } else {
                if (!slot.hasRemaining()) {
                    output.poll();
                }
                subtractPending(sent);
            }
        }
        return all && open;
    }

    /**
     * Reads a run of file bytes into the staging buffer.
     *
     * @return the bytes read: fewer than {@code length} only at the end of the file
     */
    private static int readRun(FileChannel file, long position, int offset, int length) throws IOException {
        ByteBuffer target = FILE_STAGING.get().slice(offset, length);
        while (target.hasRemaining()) {
            if (file.read(target, position + target.position()) <= 0) {
                break;
            }
        }
        return target.position();
    }

    /**
     * Cuts the gathered slots at the end of the valid bytes of a run that starts at slot
     * {@code first}: a file shorter than its region sends what it has, and the next write finds
     * nothing at the head and fails with a clear cause.
     *
     * @return the slots to write
     */
    private int truncate(int first, int count, int valid) {
        int left = valid;
        for (int i = first; i < count; i++) {
            if (left == 0) {
                clearSlots(i, count);
                return i;
            }
            int length = gather[i].remaining();
            if (length > left) {
                gather[i].limit(gather[i].position() + left);
                gatherBefore[i] = left;
                clearSlots(i + 1, count);
                return i + 1;
            }
            left -= length;
        }
        return count;
    }

    private void clearSlots(int from, int to) {
        java.util.Arrays.fill(gather, from, to, null);
        java.util.Arrays.fill(gatherOwners, from, to, null);
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
        /** Read into gathering writes (small) rather than sent with transferTo. */
        final boolean gathered;
        long position;
        long remaining;

        FileChunk(FileChannel file, long position, long count, ProgressListener progress) {
            this.file = file;
            this.position = position;
            this.remaining = count;
            this.progress = progress;
            this.gathered = count <= GATHER_MAX;
        }
    }
}
