package dev.weft.transport.epoll;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The gathered path of {@link EpollOutput}: one {@code sendmsg} over the leading buffers and
 * small file regions of a connection's queue. A MiB of 16 KiB DATA frames costs 2 {@code pread}
 * and 2-3 {@code sendmsg} this way instead of 64 {@code sendfile} and 64 {@code sendmsg}
 * (docs/PERFORMANCE.md).
 *
 * <p>Ownership: stateless; it fills the calling loop's scratch areas (iovecs, staging, file
 * staging, msghdr), so it runs on that loop's thread only. The queue is only read here: the
 * caller advances it past what was sent.
 */
final class GatheredWrite {
    /** What {@link #send} returns when it closed the connection itself. */
    static final long CLOSED = Long.MIN_VALUE;

    private GatheredWrite() {
    }

    /**
     * One gathering sendmsg over the leading buffers and gathered file regions of the queue:
     * direct buffers by address, heap buffers copied into the loop's staging area, file regions
     * read into its file staging area (one pread per run of regions contiguous in one file).
     *
     * @param bytesOnly stop at the first file region (the last words before a close)
     * @return bytes sent, {@code -errno}, or {@link #CLOSED} if it closed the connection (a file ended early, a read failed)
     */
    static long send(ArrayDeque<OutputItem> queue, EpollEventLoop loop, int fd, EpollConnection connection, boolean bytesOnly) {
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
        for (OutputItem item : queue) {
            if (count == EpollEventLoop.MAX_IOVECS) {
                break;
            }
            MemorySegment segment;
            long wanted;
            switch (item) {
                case OutputItem.Bytes(ByteBuffer buffer) -> {
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
                case OutputItem.File file when bytesOnly -> {
                    break gather;
                }
                case OutputItem.File file when !file.gathered -> {
                    // A sendfile region follows these bytes (an HTTP/2 DATA frame header,
                    // typically): hold them back so they share packets with its payload, which
                    // is sent right after and, being the last call, pushes them out.
                    flags = file.remaining > 0 ? LinuxNative.MSG_MORE : 0;
                    break gather;
                }
                case OutputItem.File file -> {
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
                            long valid = readRun(loop, connection, runFd, runPosition, runOffset, runLength);
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
            long valid = readRun(loop, connection, runFd, runPosition, runOffset, runLength);
            if (valid < runLength) {
                count = truncate(iovecs, runFirstIovec, count, valid);
            }
        }
        if (count < 0) {
            return CLOSED;
        }
        if (count == 0) {
            // The head is a gathered region whose file has nothing left at its position.
            OutputItem.File file = (OutputItem.File) queue.peekFirst();
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
    private static long readRun(EpollEventLoop loop, EpollConnection connection, int fileFd, long position, long offset,
                                long length) {
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
}
