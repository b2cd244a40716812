package dev.weft.transport.epoll;

import dev.weft.spi.OpenFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.util.OptionalInt;

/**
 * Where the bytes of one queued file region come from, and how they reach the socket without
 * passing through Java buffers: {@link Sendfile} ({@code sendfile(2)} from our own duplicate of
 * the channel's fd, so a caller closing its channel early can never make us send another file
 * that reused the fd number) or, when the fd is out of reach, {@link Mapped} (a read-only
 * mapping sent with {@code send(2)}).
 *
 * <p>Threading: owned by the connection's loop thread; {@link #close} frees the fd or mapping.
 */
abstract sealed class FileRegionSource permits FileRegionSource.Sendfile, FileRegionSource.Mapped {

    /**
     * Opens the best source for {@code count} bytes of {@code channel} from {@code position}.
     *
     * @throws IOException if the channel is closed, or cannot be mapped and has no reachable fd
     */
    static FileRegionSource open(FileChannel channel, long position, long count) throws IOException {
        OptionalInt fd = FileDescriptors.of(OpenFiles.unwrap(channel)); // the caller's hold keeps it open while we dup
        if (fd.isPresent()) {
            return new Sendfile(new SharedFd(LinuxNative.dup(fd.getAsInt())), position);
        }
        Arena arena = Arena.ofConfined();
        try {
            return new Mapped(arena, count == 0 ? MemorySegment.NULL : channel.map(FileChannel.MapMode.READ_ONLY, position, count, arena));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Sends up to {@code maxBytes} more of the region.
     *
     * @param offsetScratch 8 bytes owned by the calling loop
     * @return bytes sent, 0 if the file ended early, or {@code -errno}
     */
    abstract long send(int socketFd, long maxBytes, MemorySegment offsetScratch);

    /**
     * The next {@code n} bytes of the region left by another route (copied into a gathering
     * write, or gathered from the mapping) instead of {@link #send}.
     */
    abstract void advance(long n);

    /** @return the system call {@link #send} makes, for error messages */
    abstract String callName();

    /** Frees the fd or mapping; idempotent. */
    abstract void close();

    /**
     * A duplicated file fd shared by the regions queued from one channel (an HTTP/2 file goes out
     * as one region per DATA frame: a dup and a close per 16 KiB frame cost as many system calls
     * as the sendfile itself). Closed when its last user releases it. Loop thread only.
     */
    static final class SharedFd {
        final int fd;
        private int users = 1;

        /** @param fd a fd this object now owns, with one user: the caller */
        SharedFd(int fd) {
            this.fd = fd;
        }

        /** @return this, with one more user */
        SharedFd retain() {
            users++;
            return this;
        }

        /** Drops one user; the last closes the fd. */
        void release() {
            if (--users == 0) {
                LinuxNative.close(fd);
            }
        }
    }

    /** @return a sendfile source at {@code position} over {@code shared} (which it retains) */
    static FileRegionSource sharing(SharedFd shared, long position) {
        return new Sendfile(shared.retain(), position);
    }

    /** sendfile(2) from a duplicated fd; the kernel advances our offset, not the file's position. */
    static final class Sendfile extends FileRegionSource {
        private final SharedFd file;
        private long position;
        private boolean closed;

        Sendfile(SharedFd file, long position) {
            this.file = file;
            this.position = position;
        }

        /** @return the shared fd this source sends from */
        SharedFd shared() {
            return file;
        }

        /** @return the file offset of the next unsent byte */
        long position() {
            return position;
        }

        @Override
        void advance(long n) {
            position += n;
        }

        @Override
        long send(int socketFd, long maxBytes, MemorySegment offsetScratch) {
            offsetScratch.set(ValueLayout.JAVA_LONG, 0, position);
            long sent = LinuxNative.sendfile(socketFd, file.fd, offsetScratch, maxBytes);
            if (sent > 0) {
                position += sent;
            }
            return sent;
        }

        @Override
        String callName() {
            return "sendfile";
        }

        @Override
        void close() {
            if (!closed) {
                closed = true;
                file.release();
            }
        }
    }

    /** send(2) from a read-only mapping: the kernel copies page-cache pages straight into the socket. */
    static final class Mapped extends FileRegionSource {
        private final Arena arena;
        private final MemorySegment mapping;
        private long sentSoFar;
        private boolean closed;

        Mapped(Arena arena, MemorySegment mapping) {
            this.arena = arena;
            this.mapping = mapping;
        }

        @Override
        long send(int socketFd, long maxBytes, MemorySegment offsetScratch) {
            long available = mapping.byteSize() - sentSoFar;
            if (available <= 0) {
                return 0;
            }
            long sent = LinuxNative.send(socketFd, mapping.asSlice(sentSoFar), Math.min(maxBytes, available));
            if (sent > 0) {
                sentSoFar += sent;
            }
            return sent;
        }

        /** @return the mapped bytes not yet sent */
        MemorySegment unsent() {
            return mapping.asSlice(sentSoFar);
        }

        @Override
        void advance(long n) {
            sentSoFar += n;
        }

        @Override
        String callName() {
            return "send(mapped file)";
        }

        @Override
        void close() {
            if (!closed) {
                closed = true;
                arena.close();
            }
        }
    }
}
