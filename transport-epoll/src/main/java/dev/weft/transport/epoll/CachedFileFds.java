package dev.weft.transport.epoll;

import dev.weft.spi.EventLoopCore;
import java.nio.channels.FileChannel;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The duplicated fds of one loop's long-lived file channels (those of an
 * {@link dev.weft.spi.OpenFileCache}, kept open across requests): a cached file served again
 * costs neither a {@code dup} nor a {@code close}, which were 2 of the 3 system calls of a
 * 64 KiB response once its lookup was cached. Keyed by channel identity, least recently used
 * first out beyond {@link #MAX_FDS}.
 *
 * <p>Why a dup at all: the transport must never send from a fd number that its owner closed and
 * the kernel gave to another file; our own duplicate keeps pointing at the file it was made from.
 * A dup outlives its channel's close by at most {@link #SWEEP_NANOS}: the loop sweeps the table
 * then, so a deleted file's space is not held for long.
 *
 * <p>Ownership: the loop thread only (its {@link EpollEventLoop} creates and closes it).
 */
final class CachedFileFds {
    /** Bound on the fds one loop keeps. */
    static final int MAX_FDS = 32;
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final EventLoopCore core;
    /** Access order: the eldest is the least recently used. */
    private final LinkedHashMap<FileChannel, FileRegionSource.SharedFd> fds = new LinkedHashMap<>(16, 0.75f, true);
    private boolean sweepScheduled;
    private boolean closed;

    CachedFileFds(EventLoopCore core) {
        this.core = core;
    }

    /**
     * @param channel a JDK file channel that its holder keeps open during this call
     * @return the table's fd for {@code channel} (not retained for the caller), or null if its fd
     *     is out of reach (the caller then falls back to its own source)
     * @throws NativeCallException if dup fails
     */
    FileRegionSource.SharedFd share(FileChannel channel) throws NativeCallException {
        if (closed) {
            return null;
        }
        FileRegionSource.SharedFd known = fds.get(channel);
        if (known != null) {
            if (channel.isOpen()) {
                return known;
            }
            fds.remove(channel);
            known.release();
        }
        OptionalInt fd = FileDescriptors.of(channel);
        if (fd.isEmpty()) {
            return null;
        }
        FileRegionSource.SharedFd fresh = new FileRegionSource.SharedFd(LinuxNative.dup(fd.getAsInt()));
        fds.put(channel, fresh);
        if (fds.size() > MAX_FDS) {
            Iterator<FileRegionSource.SharedFd> eldest = fds.values().iterator();
            FileRegionSource.SharedFd dropped = eldest.next();
            eldest.remove();
            dropped.release(); // regions still queued from it keep their own hold
        }
        scheduleSweep();
        return fresh;
    }

    /** @return fds held now */
    int size() {
        return fds.size();
    }

    private void scheduleSweep() {
        if (!sweepScheduled) {
            sweepScheduled = true;
            core.scheduleAt(System.nanoTime() + SWEEP_NANOS, this::sweep);
        }
    }

    /** Drops the fds whose channel has closed; runs again while any is left. */
    private void sweep() {
        sweepScheduled = false;
        for (Iterator<Map.Entry<FileChannel, FileRegionSource.SharedFd>> it = fds.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<FileChannel, FileRegionSource.SharedFd> entry = it.next();
            if (!entry.getKey().isOpen()) {
                it.remove();
                entry.getValue().release();
            }
        }
        if (!fds.isEmpty() && !closed) {
            scheduleSweep();
        }
    }

    /** The loop ends: every fd is given back (queued regions, already discarded, held none). */
    void close() {
        closed = true;
        for (FileRegionSource.SharedFd fd : fds.values()) {
            fd.release();
        }
        fds.clear();
    }
}
