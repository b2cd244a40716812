package dev.weft.transport.epoll;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.OpenFiles;
import dev.weft.spi.TransportConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;

/**
 * The output side of one {@link EpollConnection}: the queue of byte buffers and file regions
 * in order, the back-pressure count, and the send loop that drains the queue into the socket.
 *
 * <p><b>Which path a file region takes</b> (measured in docs/PERFORMANCE.md, "File to DATA"):
 * <ul>
 *   <li><b>Gathered</b>: a region of at most {@link #GATHER_MAX} bytes (HTTP/2 queues one per
 *       DATA frame, 16 KiB unless the peer allows larger frames) is read with {@code pread} into
 *       the loop's file staging area, consecutive regions of one file in one {@code pread}, and
 *       leaves with the buffers around it (the frame headers, other streams' frames) in one
 *       gathering {@code sendmsg}. A MiB of 16 KiB frames costs 2 {@code pread} and 2
 *       {@code sendmsg} instead of 64 {@code sendfile} and 64 {@code sendmsg}. A region whose
 *       file has no reachable fd is gathered straight from its memory map.
 *   <li><b>Zero-copy</b>: larger regions go out in {@code sendfile} passes of up to
 *       {@link #FILE_PASS_BYTES}, each reported to the region's listener: there one call moves
 *       enough bytes that a copy through user space would cost more than the calls it saves.
 * </ul>
 *
 * <p><b>Ownership</b>: loop thread only, like the connection that owns it. It reports back
 * through the connection's package-private hooks (progress, writability, drained, waiting for
 * the socket, yielding, failure).
 */
final class EpollOutput {
    /**
     * Whether consecutive file regions of one channel share one duplicated fd (default on;
     * {@code -Dweft.epoll.fileBatching=false} turns it off, for comparisons).
     */
    static final boolean FILE_BATCHING = !"false".equals(System.getProperty("weft.epoll.fileBatching"));
    /**
     * File regions up to this size are copied into a gathering write instead of sent with
     * sendfile ({@code -Dweft.epoll.fileGatherMax}; 0 sends every region with sendfile).
     */
    static final long GATHER_MAX = Long.getLong("weft.epoll.fileGatherMax", 64 * 1024);
    /** Bytes one send-loop pass over a sendfile region asks the kernel for (seed 001's pass size). */
    static final long FILE_PASS_BYTES = 1024 * 1024;
    /** Passes per turn before other connections get the loop. */
    private static final int FILE_PASSES_PER_TURN = 8;
    /** Bytes of gathered writes per turn before other connections get the loop. */
    private static final long GATHERED_BYTES_PER_TURN = FILE_PASS_BYTES * FILE_PASSES_PER_TURN;
    /** What {@link #sendGathered} returns when it closed the connection itself. */
    private static final long CLOSED = Long.MIN_VALUE;

    /** What waits in the queue. */
    private sealed interface Item {
        /** Heap or direct bytes; the buffer's position advances as they go out. */
        record Bytes(ByteBuffer buffer) implements Item {
        }

        /** A file region and what is left of it. */
        final class File implements Item {
            final FileRegionSource source;
            final ProgressListener listener;
            /** Copied into gathering writes (small) rather than sent with sendfile passes. */
            final boolean gathered;
            long remaining;

            File(FileRegionSource source, long count, ProgressListener listener) {
                this.source = source;
                this.remaining = count;
                this.listener = listener;
                this.gathered = count > 0 && count <= GATHER_MAX;
            }
        }
    }

    /** How one turn over a sendfile region ended. */
    private enum FileTurn { DONE, WOULD_BLOCK, YIELDED, FAILED }

    private final EpollConnection connection;
    private final int fd;
    private final EpollEventLoop loop;
    private final TransportConfig config;

    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private long pendingBytes;
    private boolean writable = true;
    /** The socket said EAGAIN: wait for EPOLLOUT before sending again. */
    private boolean waitingForSocket;
    /** {@link #send} is on the stack: nested flushes leave the sending to it. */
    private boolean sending;
    /** The channel of the last file region queued, and its duplicated fd; see {@link #openSource}. */
    private FileChannel sharedChannel;
    private FileRegionSource.SharedFd sharedFd;

    EpollOutput(EpollConnection connection, int fd, EpollEventLoop loop, TransportConfig config) {
        this.connection = connection;
        this.fd = fd;
        this.loop = loop;
        this.config = config;
    }

    long pendingBytes() {
        return pendingBytes;
    }

    boolean isWritable() {
        return writable;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    boolean waitingForSocket() {
        return waitingForSocket;
    }

    void addBytes(ByteBuffer buffer) {
        queue.add(new Item.Bytes(buffer));
        pendingBytes += buffer.remaining();
        checkHighWatermark();
    }

    /** @throws IOException if the region's source cannot be opened (closed channel, no fd and no map) */
    void addFile(FileChannel file, long position, long count, ProgressListener listener) throws IOException {
        FileRegionSource source = openSource(file, position, count);
        queue.add(new Item.File(source, count, listener));
        pendingBytes += count;
        checkHighWatermark();
    }

    /**
     * Opens a region's source, reusing the fd duplicated for the previous region when it came
     * from the same (still open) channel: HTTP/2 sends a file as one region per DATA frame.
     */
    private FileRegionSource openSource(FileChannel file, long position, long count) throws IOException {
        if (FILE_BATCHING && OpenFiles.isShared(file) && file.isOpen()) {
            // A cached file: the loop keeps one dup of it for every connection and response.
            FileRegionSource.SharedFd loopFd = loop.cachedFileFds.share(OpenFiles.unwrap(file));
            if (loopFd != null) {
                return FileRegionSource.sharing(loopFd, position);
            }
        }
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

    /** Drops the hold on the last channel's fd (queued regions keep theirs). */
    private void releaseSharedFd() {
        if (sharedFd != null) {
            sharedFd.release();
            sharedFd = null;
            sharedChannel = null;
        }
    }

    /** EPOLLOUT (or an error or hang-up that a send will report): send if we were waiting. */
    void socketWritable() {
        if (waitingForSocket) {
            waitingForSocket = false;
            send();
        }
    }

    /**
     * Sends queued output until the queue is empty, the socket is full or the turn's budget is
     * spent. Not re-entrant: a handler that flushes from a callback made inside this loop
     * (writability, progress) only queues, and this loop sends it.
     */
    void send() {
        if (sending || waitingForSocket) {
            return;
        }
        sending = true;
        try {
            sendNow();
        } finally {
            sending = false;
        }
    }

    private void sendNow() {
        long budget = GATHERED_BYTES_PER_TURN;
        while (connection.isOpen()) {
            Item head = queue.peekFirst();
            if (head == null) {
                releaseSharedFd();
                connection.outputDrained();
                return;
            }
            if (head instanceof Item.File file && !file.gathered) {
                switch (sendFileTurn(file)) {
                    case DONE -> {
                        continue;
                    }
                    case WOULD_BLOCK -> waitForSocket();
                    case YIELDED -> connection.deferSend();
                    case FAILED -> {
                    }
                }
                return;
            }
            if (budget <= 0) {
                connection.deferSend();
                return;
            }
            long sent = sendGathered(false);
            if (sent == CLOSED) {
                return;
            }
            if (sent == -Errno.EAGAIN.number) {
                waitForSocket();
                return;
            }
            if (sent < 0) {
                connection.closeOnLoop(new NativeCallException("sendmsg", (int) -sent), false);
                return;
            }
            budget -= sent;
            consumeSent(sent);
        }
    }

    /**
     * One gathering sendmsg over the leading buffers and gathered file regions of the queue:
     * direct buffers by address, heap buffers copied into the loop's staging area, file regions
     * read into its file staging area (one pread per run of regions contiguous in one file).
     *
     * @param bytesOnly stop at the first file region (the last words before a close)
     * @return bytes sent, {@code -errno}, or {@link #CLOSED} if a file ended early
     */
    private long sendGathered(boolean bytesOnly) {
        MemorySegment iovecs = loop.iovecs;
        MemorySegment staging = loop.staging;
        MemorySegment fileStaging = loop.fileStaging;
        long stagingUsed = 0;
        long fileStagingUsed = 0;
        int count = 0;
        int flags = 0;
        // The pending pread: file bytes [runPosition, +runLength) of runFd into fileStaging at
        // runOffset, filling the iovecs from runFirstIovec on.
        int runFd = -1;
        long runPosition = 0;
        long runOffset = 0;
        long runLength = 0;
        int runFirstIovec = 0;
        gather:
        for (Item item : queue) {
            if (count == EpollEventLoop.MAX_IOVECS) {
                break;
            }
            MemorySegment segment;
            long wanted;
            switch (item) {
                case Item.Bytes(ByteBuffer buffer) -> {
                    MemorySegment source = MemorySegment.ofBuffer(buffer);
                    wanted = source.byteSize();
                    if (source.isNative()) {
                        segment = source;
                    } else {
                        long room = staging.byteSize() - stagingUsed;
                        if (room == 0) {
                            break gather;
                        }
                        segment = staging.asSlice(stagingUsed, Math.min(room, wanted));
                        MemorySegment.copy(source, 0, segment, 0, segment.byteSize());
                        stagingUsed += segment.byteSize();
                    }
                }
                case Item.File file when bytesOnly -> {
                    break gather;
                }
                case Item.File file when !file.gathered -> {
                    // A sendfile region follows these bytes (an HTTP/2 DATA frame header,
                    // typically): hold them back so they share packets with its payload, which
                    // is sent right after and, being the last call, pushes them out.
                    flags = file.remaining > 0 ? LinuxNative.MSG_MORE : 0;
                    break gather;
                }
                case Item.File file -> {
                    wanted = file.remaining;
                    if (file.source instanceof FileRegionSource.Mapped mapped) {
                        segment = mapped.unsent();
                    } else {
                        FileRegionSource.Sendfile source = (FileRegionSource.Sendfile) file.source;
                        long room = fileStaging.byteSize() - fileStagingUsed;
                        if (room == 0) {
                            break gather;
                        }
                        long take = Math.min(room, wanted);
                        int sourceFd = source.shared().fd;
                        if (runLength > 0 && (sourceFd != runFd || source.position() != runPosition + runLength)) {
                            long valid = readRun(runFd, runPosition, runOffset, runLength);
                            if (valid < runLength) {
                                count = truncate(iovecs, runFirstIovec, count, valid);
                                runLength = 0;
                                break gather;
                            }
                            runLength = 0;
                        }
                        if (runLength == 0) {
                            runFd = sourceFd;
                            runPosition = source.position();
                            runOffset = fileStagingUsed;
                            runFirstIovec = count;
                        }
                        runLength += take;
                        segment = fileStaging.asSlice(fileStagingUsed, take);
                        fileStagingUsed += take;
                    }
                }
            }
            iovecs.set(ValueLayout.ADDRESS, count * LinuxNative.IOVEC_SIZE, segment);
            iovecs.set(ValueLayout.JAVA_LONG, count * LinuxNative.IOVEC_SIZE + 8, segment.byteSize());
            count++;
            if (segment.byteSize() < wanted) {
                break;
            }
        }
        if (runLength > 0) {
            long valid = readRun(runFd, runPosition, runOffset, runLength);
            if (valid < runLength) {
                count = truncate(iovecs, runFirstIovec, count, valid);
            }
        }
        if (count < 0) {
            return CLOSED;
        }
        if (count == 0) {
            // The head is a gathered region whose file has nothing left at its position.
            Item.File file = (Item.File) queue.peekFirst();
            connection.closeOnLoop(new IOException("file region ended early: " + file.remaining
                    + " bytes were still due, but the file is shorter than the region"), false);
            return CLOSED;
        }
        loop.msghdr.set(ValueLayout.JAVA_LONG, LinuxNative.MSGHDR_IOVLEN_OFFSET, count);
        return LinuxNative.sendmsg(fd, loop.msghdr, flags);
    }

    /**
     * Reads a run of file bytes into the file staging area.
     *
     * @return bytes now valid there (fewer than {@code length} at end of file), or -1 after a
     *     read error closed the connection
     */
    private long readRun(int fileFd, long position, long offset, long length) {
        long done = 0;
        while (done < length) {
            long n = LinuxNative.pread(fileFd, loop.fileStaging.asSlice(offset + done), length - done, position + done);
            if (n < 0) {
                connection.closeOnLoop(new NativeCallException("pread", (int) -n), false);
                return -1;
            }
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /**
     * Cuts the gathered iovecs at the end of the valid bytes of a run that starts at iovec
     * {@code first}: a file shorter than its region sends what it has, and the next attempt
     * finds nothing at the head and fails with a clear cause.
     *
     * @return the iovecs to send, or -1 if the read failed
     */
    private static int truncate(MemorySegment iovecs, int first, int count, long valid) {
        if (valid < 0) {
            return -1;
        }
        long left = valid;
        for (int i = first; i < count; i++) {
            long length = iovecs.get(ValueLayout.JAVA_LONG, i * LinuxNative.IOVEC_SIZE + 8);
            if (left == 0) {
                return i;
            }
            if (length > left) {
                iovecs.set(ValueLayout.JAVA_LONG, i * LinuxNative.IOVEC_SIZE + 8, left);
                return i + 1;
            }
            left -= length;
        }
        return count;
    }

    /** Advances the queue past {@code sent} bytes, telling file regions' listeners. */
    private void consumeSent(long sent) {
        if (sent > 0) {
            connection.outputProgressed();
        }
        long left = sent;
        while (left > 0 && connection.isOpen()) {
            Item head = queue.peekFirst();
            if (head instanceof Item.Bytes(ByteBuffer buffer)) {
                int take = (int) Math.min(left, buffer.remaining());
                buffer.position(buffer.position() + take);
                left -= take;
                pendingBytes -= take;
                if (!buffer.hasRemaining()) {
                    queue.pollFirst();
                }
                continue;
            }
            Item.File file = (Item.File) head;
            long take = Math.min(left, file.remaining);
            file.source.advance(take);
            file.remaining -= take;
            left -= take;
            pendingBytes -= take;
            if (file.remaining == 0) {
                queue.pollFirst();
                file.source.close();
                report(file, new SendProgress.Done(take));
            } else {
                report(file, new SendProgress.Sent(take));
            }
        }
        if (connection.isOpen()) {
            checkLowWatermark();
        }
    }

    /**
     * Runs send-loop passes over the head sendfile region: each pass asks for up to
     * {@link #FILE_PASS_BYTES} and reports {@code Sent}, {@code WouldBlock} or {@code Done}.
     */
    private FileTurn sendFileTurn(Item.File file) {
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
                        connection.outputProgressed();
                    }
                    checkLowWatermark();
                    if (!connection.isOpen()) {
                        return FileTurn.FAILED;
                    }
                    return report(file, new SendProgress.WouldBlock(moved)) ? FileTurn.WOULD_BLOCK : FileTurn.FAILED;
                } else if (n == 0) {
                    connection.closeOnLoop(new IOException("file region ended early: " + file.remaining
                            + " bytes were still due, but the file is shorter than the region"), false);
                    return FileTurn.FAILED;
                } else {
                    connection.closeOnLoop(new NativeCallException(file.source.callName(), (int) -n), false);
                    return FileTurn.FAILED;
                }
            }
            if (moved > 0) {
                connection.outputProgressed();
            }
            if (file.remaining == 0) {
                queue.pollFirst();
                file.source.close();
                checkLowWatermark();
                if (!connection.isOpen()) {
                    return FileTurn.FAILED;
                }
                return report(file, new SendProgress.Done(moved)) ? FileTurn.DONE : FileTurn.FAILED;
            }
            checkLowWatermark();
            // The handler may have closed the connection (freeing this region) when it heard.
            if (!connection.isOpen() || !report(file, new SendProgress.Sent(moved))) {
                return FileTurn.FAILED;
            }
        }
        return FileTurn.YIELDED;
    }

    /** @return whether the connection is still open after the listener heard {@code progress} */
    private boolean report(Item.File file, SendProgress progress) {
        try {
            file.listener.onProgress(progress);
        } catch (RuntimeException e) {
            connection.handlerFailed("the file region's progress listener", e);
            return false;
        }
        return connection.isOpen();
    }

    private void waitForSocket() {
        waitingForSocket = true;
        connection.interestMayHaveChanged();
    }

    private void checkHighWatermark() {
        if (writable && pendingBytes > config.writeHighWatermark()) {
            writable = false;
            connection.writabilityChanged(false);
        }
    }

    private void checkLowWatermark() {
        if (!writable && pendingBytes <= config.writeLowWatermark()) {
            writable = true;
            connection.writabilityChanged(true);
        }
    }

    /**
     * One non-blocking attempt at the queued bytes before a close, without waiting for the
     * socket; file regions are not started.
     */
    void sendLastWords() {
        if (!waitingForSocket && queue.peekFirst() instanceof Item.Bytes) {
            long sent = sendGathered(true);
            if (sent > 0) {
                consumeSent(sent);
            }
        }
    }

    /** The connection closed: every queued region's fd or mapping is freed, the rest dropped. */
    void discard() {
        for (Item item : queue) {
            if (item instanceof Item.File file) {
                file.source.close();
            }
        }
        queue.clear();
        releaseSharedFd();
        pendingBytes = 0;
    }
}
