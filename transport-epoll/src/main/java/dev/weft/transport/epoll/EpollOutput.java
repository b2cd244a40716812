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
 * <p><b>Which path a file region takes</b> (the gathered one is {@link GatheredWrite}) (measured in docs/PERFORMANCE.md, "File to DATA"):
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

    /** How one turn over a sendfile region ended. */
    private enum FileTurn { DONE, WOULD_BLOCK, YIELDED, FAILED }

    private final EpollConnection connection;
    private final int fd;
    private final EpollEventLoop loop;
    private final TransportConfig config;

    private final ArrayDeque<OutputItem> queue = new ArrayDeque<>();
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
        queue.add(new OutputItem.Bytes(buffer));
        pendingBytes += buffer.remaining();
        checkHighWatermark();
    }

    /** @throws IOException if the region's source cannot be opened (closed channel, no fd and no map) */
    void addFile(FileChannel file, long position, long count, ProgressListener listener) throws IOException {
        FileRegionSource source = openSource(file, position, count);
        queue.add(new OutputItem.File(source, count, listener));
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
            OutputItem head = queue.peekFirst();
            if (head == null) {
                releaseSharedFd();
                connection.outputDrained();
                return;
            }
            if (head instanceof OutputItem.File file && !file.gathered) {
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
            long sent = GatheredWrite.send(queue, loop, fd, connection, false);
            if (sent == GatheredWrite.CLOSED) {
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

    /** Advances the queue past {@code sent} bytes, telling file regions' listeners. */
    private void consumeSent(long sent) {
        if (sent > 0) {
            connection.outputProgressed();
        }
        long left = sent;
        while (left > 0 && connection.isOpen()) {
            OutputItem head = queue.peekFirst();
            if (head instanceof OutputItem.Bytes(ByteBuffer buffer)) {
                int take = (int) Math.min(left, buffer.remaining());
                buffer.position(buffer.position() + take);
                left -= take;
                pendingBytes -= take;
                if (!buffer.hasRemaining()) {
                    queue.pollFirst();
                }
                continue;
            }
            OutputItem.File file = (OutputItem.File) head;
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
    private FileTurn sendFileTurn(OutputItem.File file) {
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
    private boolean report(OutputItem.File file, SendProgress progress) {
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
        if (!waitingForSocket && queue.peekFirst() instanceof OutputItem.Bytes) {
            long sent = GatheredWrite.send(queue, loop, fd, connection, true);
            if (sent > 0) {
                consumeSent(sent);
            }
        }
    }

    /** The connection closed: every queued region's fd or mapping is freed, the rest dropped. */
    void discard() {
        for (OutputItem item : queue) {
            if (item instanceof OutputItem.File file) {
                file.source.close();
            }
        }
        queue.clear();
        releaseSharedFd();
        pendingBytes = 0;
    }
}
