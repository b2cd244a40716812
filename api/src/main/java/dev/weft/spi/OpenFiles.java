package dev.weft.spi;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.OptionalLong;

/**
 * Where protocols open the files that responses send ({@link dev.weft.api.Content.FileRegion}),
 * and where file-serving handlers look them up: {@link #UNCACHED} opens a fresh channel per call,
 * {@link OpenFileCache} keeps channels open across requests (docs/PERFORMANCE.md: a 64 KiB file
 * cost 7 system calls to find and open per request, the bytes themselves 2).
 *
 * <p>Threading: implementations are safe to call from any thread (handlers' virtual threads).
 */
public interface OpenFiles {

    /** Opens a new channel per {@link #open} and stats the file per {@link #regularFileSize}. */
    OpenFiles UNCACHED = new OpenFiles() {
        @Override
        public FileChannel open(Path path) throws IOException {
            return FileChannel.open(path, StandardOpenOption.READ);
        }

        @Override
        public OptionalLong regularFileSize(Path path) throws IOException {
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                return attributes.isRegularFile() ? OptionalLong.of(attributes.size()) : OptionalLong.empty();
            } catch (NoSuchFileException e) {
                return OptionalLong.empty();
            }
        }
    };

    /**
     * Opens {@code path} for reading, following symbolic links as {@link FileChannel#open} does.
     * The caller owns the returned channel and closes it when done with it; a cached channel's
     * close only gives back the caller's hold. Its {@link FileChannel#size()} is the size when
     * the file was last checked (see {@link OpenFileCache} for how stale that may be).
     *
     * @throws IOException if the file cannot be opened
     */
    FileChannel open(Path path) throws IOException;

    /**
     * @return the size of the regular file at {@code path}, or empty if there is none there, it
     *     is not a regular file, or {@code path} itself is a symbolic link
     * @throws IOException if the file system cannot say (permissions, I/O error)
     */
    OptionalLong regularFileSize(Path path) throws IOException;

    /**
     * For transports: the JDK channel behind a channel this interface handed out (its fd is what
     * {@code sendfile} and {@code pread} need), or {@code channel} itself. The result lives as
     * long as the file stays cached, which may be longer than {@code channel}: use it only while
     * {@code channel} is open.
     */
    static FileChannel unwrap(FileChannel channel) {
        return channel instanceof LeasedFileChannel leased ? leased.shared() : channel;
    }

    /** @return whether {@code channel} shares a cached channel (which outlives it) */
    static boolean isShared(FileChannel channel) {
        return channel instanceof LeasedFileChannel;
    }
}
