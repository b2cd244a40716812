package dev.weft.transport.nio;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.TransportConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The output side of one {@link NioConnection}: the queue of byte buffers and file regions in
 * order, the back-pressure count, and the writes that drain the queue into the socket.
 *
 * <p><b>Which path a file region takes</b> (docs/PERFORMANCE.md): a region of at most
 * {@link #GATHER_MAX} bytes is read with one positional read per run of contiguous regions into
 * the loop thread's staging buffer and leaves with the buffers around it in one gathering
 * {@code writev}; a larger one goes out with {@code FileChannel.transferTo} ({@code sendfile}).
 *
 * <p><b>Ownership</b>: loop thread only, like the connection that owns it; it reports back
 * through the connection's package-private hooks (activity, writability, open).
 */
final class NioOutput {
    /** Buffers per gathering write. */
    private static final int MAX_GATHER = 64;
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

    private final NioConnection connection;
    private final SocketChannel channel;
    private final TransportConfig config;
    private final ArrayDeque<Object> output = new ArrayDeque<>();
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    /** The queue entry behind each {@link #gather} slot, and the bytes it had before the write. */
    private final Object[] gatherOwners = new Object[MAX_GATHER];
    private final long[] gatherBefore = new long[MAX_GATHER];
    private long pendingBytes;
    private boolean writable = true;

    NioOutput(NioConnection connection, SocketChannel channel, TransportConfig config) {
        this.connection = connection;
        this.channel = channel;
        this.config = config;
    }

    boolean isEmpty() {
        return output.isEmpty();
    }

    long pendingBytes() {
        return pendingBytes;
    }

    boolean isWritable() {
        return writable;
    }

    void addBytes(ByteBuffer buffer) {
        output.add(buffer);
        addPending(buffer.remaining());
    }

    void addFile(FileChannel file, long position, long count, ProgressListener progress) {
        output.add(new FileChunk(file, position, count, progress));
        addPending(count);
    }

    /** Writes until the queue is empty or the socket is full. */
    void drain() throws IOException {
        while (!output.isEmpty()) {
            Object head = output.peek();
            if (head instanceof FileChunk chunk && !chunk.gathered) {
                if (!sendFileChunk(chunk)) {
                    return;
                }
            } else if (!sendGathered()) {
                return;
            }
        }
    }

    /** One last non-blocking attempt at the leading buffers before a close (a goodbye frame usually fits). */
    void sendLastWords() {
        try {
            while (!output.isEmpty() && output.peek() instanceof ByteBuffer && sendBuffers()) {
                // keep going while buffers drain completely
            }
        } catch (IOException ignored) {
            // the peer is gone; closing anyway
        }
    }

    /** The connection closed: everything queued is dropped. */
    void discard() {
        output.clear();
        pendingBytes = 0;
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
        Arrays.fill(gather, 0, count, null);
        while (!output.isEmpty() && output.peek() instanceof ByteBuffer buffer && !buffer.hasRemaining()) {
            output.poll();
        }
        if (written > 0) {
            connection.outputProgressed();
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
            connection.outputProgressed();
        }
        boolean all = true;
        for (int i = 0; i < count; i++) {
            ByteBuffer slot = gather[i];
            Object owner = gatherOwners[i];
            long sent = gatherBefore[i] - slot.remaining();
            gather[i] = null;
            gatherOwners[i] = null;
            if (!connection.isOpen() || !all) {
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
        return all && connection.isOpen();
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
        Arrays.fill(gather, from, to, null);
        Arrays.fill(gatherOwners, from, to, null);
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
            connection.outputProgressed();
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
        if (writable && pendingBytes > config.writeHighWatermark()) {
            writable = false;
            connection.writabilityChanged(false);
        }
    }

    private void subtractPending(long bytes) {
        pendingBytes -= bytes;
        if (!writable && pendingBytes <= config.writeLowWatermark()) {
            writable = true;
            connection.writabilityChanged(true);
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
