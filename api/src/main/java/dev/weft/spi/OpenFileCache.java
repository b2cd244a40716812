package dev.weft.spi;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Keeps the files that responses send open across requests, as nghttpd and h2o do: a file served
 * again within the revalidation window costs no system call to find, open, size or close.
 *
 * <p><b>Staleness, the documented window</b>: an entry remembers the file's identity (device and
 * inode), size and modification time from a {@code stat} of its path. A lookup more than
 * {@code revalidateAfter} (default 250 ms) after the last check
 * stats the path again (one {@code statx}, two for a symbolic link): a file replaced (renamed
 * over, re-created), deleted, resized or touched is dropped and the lookup opens the new file or
 * reports it missing. So a changed or deleted file is served as it was for at most that window.
 * The bytes are always read from the open file at send time: a file rewritten in place shows
 * its new bytes at once, and its new size after the window.
 *
 * <p><b>Bounds and lifetime</b>: at most {@code maxFiles} entries (the least recently checked
 * goes first); an entry not looked up for {@value #DEFAULT_CLOSE_IDLE_SECONDS} s is closed by
 * the cache's sweeper (a virtual thread), so a deleted file's disk space comes back even when
 * nobody asks for it again. A dropped entry's channel closes when its last holder closes its
 * {@link #open} channel. {@link #close()} drops every entry and stops the sweeper; lookups after
 * that open files uncached. Only regular files are cached; anything else is opened uncached.
 *
 * <p><b>Ownership</b>: the cache owns its channels and its sweeper; whoever creates it closes
 * it ({@code Weft.Builder} closes the one it makes when the server stops). The entry map is a
 * {@link ConcurrentHashMap}; each entry's hold count is atomic; any thread may call any method.
 */
public final class OpenFileCache implements OpenFiles, AutoCloseable {
    /** Default bound on open files ({@code -Dweft.files.maxOpen}; 0 caches nothing, for comparisons). */
    public static final int DEFAULT_MAX_FILES = Integer.getInteger("weft.files.maxOpen", 256);
    /** Default staleness window, in milliseconds ({@code -Dweft.files.revalidateMillis}). */
    public static final long DEFAULT_REVALIDATE_MILLIS = Long.getLong("weft.files.revalidateMillis", 250);
    /** Seconds an entry nobody looked up stays open. */
    public static final long DEFAULT_CLOSE_IDLE_SECONDS = 5;
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * {@code sun.nio.ch.FileChannelImpl.setUninterruptible()}, when the JVM opens the package (the
     * launcher and the tests do): a handler thread interrupted while it reads a shared channel
     * would otherwise close it for everyone. Without it the next lookup finds it closed and reopens.
     */
    private static final MethodHandle SET_UNINTERRUPTIBLE = findSetUninterruptible();

    private final int maxFiles;
    private final long revalidateNanos;
    private final long closeIdleNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<Path, Entry> entries = new ConcurrentHashMap<>();
    /** Channels this cache opened and has not closed yet (entries and their holders'), for tests. */
    private final AtomicInteger openChannels = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean closed;

    OpenFileCache(int maxFiles, Duration revalidateAfter, Duration closeIdleAfter, LongSupplier nanoClock) {
        if (maxFiles < 0) {
            throw new IllegalArgumentException("maxFiles must be >= 0: " + maxFiles);
        }
        this.maxFiles = maxFiles;
        this.revalidateNanos = revalidateAfter.toNanos();
        this.closeIdleNanos = closeIdleAfter.toNanos();
        this.clock = nanoClock;
    }

    /** @return a cache with the defaults, its sweeper running */
    public static OpenFileCache create() {
        return create(DEFAULT_MAX_FILES, Duration.ofMillis(DEFAULT_REVALIDATE_MILLIS));
    }

    /**
     * @param maxFiles at most this many files kept open; 0 caches nothing
     * @param revalidateAfter how long a file may be served without checking its path again
     * @return a cache, its sweeper running
     */
    public static OpenFileCache create(int maxFiles, Duration revalidateAfter) {
        OpenFileCache cache = new OpenFileCache(maxFiles, revalidateAfter, Duration.ofSeconds(DEFAULT_CLOSE_IDLE_SECONDS),
                System::nanoTime);
        if (maxFiles > 0) {
            Thread.ofVirtual().name("weft-open-files").start(cache::sweepUntilClosed);
        }
        return cache;
    }

    @Override
    public FileChannel open(Path path) throws IOException {
        Entry entry = acquire(path);
        return entry == null ? FileChannel.open(path, StandardOpenOption.READ) : new LeasedFileChannel(entry);
    }

    @Override
    public OptionalLong regularFileSize(Path path) throws IOException {
        Entry entry;
        try {
            entry = acquire(path);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
        if (entry == null) {
            return UNCACHED.regularFileSize(path);
        }
        try {
            return entry.stat.link ? OptionalLong.empty() : OptionalLong.of(entry.stat.size);
        } finally {
            entry.release();
        }
    }

    /** Drops every entry (channels close as their last holders let go) and stops the sweeper. */
    @Override
    public void close() {
        closed = true;
        closing.countDown();
        for (Entry entry : entries.values()) {
            drop(entry);
        }
    }

    /** @return entries cached now */
    int size() {
        return entries.size();
    }

    /** @return channels this cache opened that are still open */
    int openChannels() {
        return openChannels.get();
    }

    /** Closes the entries not looked up for the idle time; the sweeper runs it every second. */
    void sweep() {
        long now = clock.getAsLong();
        for (Entry entry : entries.values()) {
            if (now - entry.checkedAt > closeIdleNanos) {
                drop(entry);
            }
        }
    }

    private void sweepUntilClosed() {
        try {
            while (!closing.await(SWEEP_INTERVAL_NANOS, TimeUnit.NANOSECONDS)) {
                sweep();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return the entry for {@code path} with one more hold for the caller, or null if the file is
     *     not to be cached (not a regular file, the cache closed or sized 0)
     * @throws IOException if the path cannot be stat'ed or opened (NoSuchFileException if missing)
     */
    private Entry acquire(Path path) throws IOException {
        if (closed || maxFiles == 0) {
            return null;
        }
        long now = clock.getAsLong();
        Stat checked = null;
        Entry entry = entries.get(path);
        if (entry != null) {
            if (now - entry.checkedAt > revalidateNanos || !entry.channel.isOpen()) {
                try {
                    checked = Stat.of(path);
                } catch (IOException e) {
                    drop(entry); // deleted, or no longer reachable: never served from here again
                    throw e;
                }
                if (checked.equals(entry.stat) && entry.channel.isOpen()) {
                    entry.checkedAt = now;
                } else {
                    drop(entry);
                    entry = null;
                }
            }
            if (entry != null && entry.tryRetain()) {
                return entry;
            }
        }
        // Stat before open: if the file is replaced in between, the entry holds the newer file
        // under the older identity, and the next check (a mismatch) replaces it; the other
        // order could keep an old file under the new identity for good.
        Stat stat = checked != null ? checked : Stat.of(path);
        if (!stat.regular) {
            return null;
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        openChannels.incrementAndGet();
        makeUninterruptible(channel);
        Entry fresh = new Entry(path, channel, stat, now);
        fresh.tryRetain(); // the caller's hold
        if (entries.putIfAbsent(path, fresh) != null) {
            fresh.release(); // lost a race: ours serves this caller only, and closes after it
        } else if (closed) {
            drop(fresh);
        } else {
            trim();
        }
        return fresh;
    }

    /** Drops the least recently checked entries beyond the bound. */
    private void trim() {
        while (entries.size() > maxFiles) {
            Entry oldest = null;
            for (Entry candidate : entries.values()) {
                if (oldest == null || candidate.checkedAt < oldest.checkedAt) {
                    oldest = candidate;
                }
            }
            if (oldest == null) {
                return;
            }
            drop(oldest);
        }
    }

    /** Removes {@code entry} from the map (if still there) and gives back the cache's hold. */
    private void drop(Entry entry) {
        if (entries.remove(entry.path, entry)) {
            entry.release();
        }
    }

    private static void makeUninterruptible(FileChannel channel) {
        if (SET_UNINTERRUPTIBLE != null) {
            try {
                SET_UNINTERRUPTIBLE.invoke(channel);
            } catch (Throwable e) {
                // best effort: see SET_UNINTERRUPTIBLE
            }
        }
    }

    private static MethodHandle findSetUninterruptible() {
        try {
            Method method = Class.forName("sun.nio.ch.FileChannelImpl").getMethod("setUninterruptible");
            method.setAccessible(true);
            return MethodHandles.lookup().unreflect(method);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** What a {@code stat} of the path said; equal stats mean the same, unchanged file. */
    private record Stat(Object fileKey, long size, FileTime modified, boolean link, boolean regular) {
        static Stat of(Path path) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            boolean link = attributes.isSymbolicLink();
            if (link) {
                attributes = Files.readAttributes(path, BasicFileAttributes.class);
            }
            return new Stat(attributes.fileKey(), attributes.size(), attributes.lastModifiedTime(), link,
                    attributes.isRegularFile());
        }
    }

    /**
     * One open file: the cache holds it while mapped, each {@link LeasedFileChannel} while open;
     * the last hold given back closes the channel.
     */
    final class Entry {
        final Path path;
        final FileChannel channel;
        final long size;
        private final Stat stat;
        /** When the path was last stat'ed and found unchanged (clock nanos). */
        volatile long checkedAt;
        private final AtomicInteger holds = new AtomicInteger(1);

        Entry(Path path, FileChannel channel, Stat stat, long checkedAt) {
            this.path = path;
            this.channel = channel;
            this.stat = stat;
            this.size = stat.size;
            this.checkedAt = checkedAt;
        }

        /** @return whether a hold was taken (false once the channel is closing) */
        boolean tryRetain() {
            while (true) {
                int current = holds.get();
                if (current == 0) {
                    return false;
                }
                if (holds.compareAndSet(current, current + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (holds.decrementAndGet() == 0) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // read-only: nothing lost
                } finally {
                    openChannels.decrementAndGet();
                }
            }
        }
    }
}
