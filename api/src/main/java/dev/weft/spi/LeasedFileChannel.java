package dev.weft.spi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One holder's read-only view of a channel kept open by {@link OpenFileCache}: positional reads
 * and transfers go to the shared channel, the relative position is this view's own (so holders
 * never move each other's), {@link #size()} is the size the cache last checked (no {@code fstat}),
 * and closing gives back this holder's hold instead of closing the file.
 *
 * <p>Threading: like any {@link FileChannel}; the position is guarded by this object's monitor.
 */
final class LeasedFileChannel extends FileChannel {
    private final OpenFileCache.Entry entry;
    private long position;

    LeasedFileChannel(OpenFileCache.Entry entry) {
        this.entry = entry;
    }

    /** @return the cached JDK channel (see {@link OpenFiles#unwrap}) */
    FileChannel shared() {
        return entry.channel;
    }

    private FileChannel target() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        return entry.channel;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = target().read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            if (!dsts[i].hasRemaining()) {
                continue;
            }
            int n = read(dsts[i]);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (dsts[i].hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public int read(ByteBuffer dst, long at) throws IOException {
        return target().read(dst, at);
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new NonWritableChannelException();
    }

    @Override
    public int write(ByteBuffer src, long at) {
        throw new NonWritableChannelException();
    }

    @Override
    public synchronized long position() throws IOException {
        target();
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position: " + newPosition);
        }
        target();
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        target();
        return entry.size;
    }

    @Override
    public FileChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        target(); // read-only: nothing to write back
    }

    @Override
    public long transferTo(long at, long count, WritableByteChannel sink) throws IOException {
        return target().transferTo(at, count, sink);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long at, long count) {
        throw new NonWritableChannelException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long at, long size) throws IOException {
        return target().map(mode, at, size);
    }

    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        return target().map(mode, offset, size, arena);
    }

    @Override
    public FileLock lock(long at, long size, boolean shared) {
        throw new UnsupportedOperationException("a cached file channel is shared: it cannot be locked");
    }

    @Override
    public FileLock tryLock(long at, long size, boolean shared) {
        throw new UnsupportedOperationException("a cached file channel is shared: it cannot be locked");
    }

    @Override
    protected void implCloseChannel() {
        entry.release();
    }
}
