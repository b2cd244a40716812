package dev.weft.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open-file cache against real files, with a clock that moves only when told: what it keeps,
 * when it notices a file replaced, changed or deleted, and that every channel it opens closes.
 */
class OpenFileCacheTest {
    private static final Duration WINDOW = Duration.ofMillis(250);
    private static final Duration IDLE = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private long now = 1_000_000_000L;
    private OpenFileCache cache = new OpenFileCache(4, WINDOW, IDLE, () -> now);

    @AfterEach
    void allChannelsClosed() {
        cache.close();
        assertEquals(0, cache.openChannels(), "channels left open after close and every holder let go");
    }

    private void pastWindow() {
        now += WINDOW.toNanos() + 1;
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) channel.size());
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // positional reads, as the transports do
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    @Test
    void aFileServedAgainSharesOneOpenChannel() throws IOException {
        Path path = file("a.txt", "hello");
        try (FileChannel first = cache.open(path); FileChannel second = cache.open(path)) {
            assertTrue(OpenFiles.isShared(first));
            assertSame(OpenFiles.unwrap(first), OpenFiles.unwrap(second));
            assertEquals(1, cache.openChannels());
            assertEquals("hello", read(first));
            assertEquals(OptionalLong.of(5), cache.regularFileSize(path));
        }
        assertEquals(1, cache.openChannels(), "the cache keeps it after its holders let go");
    }

    @Test
    void aReplacedFileIsServedAsItWasOnlyWithinTheWindow() throws IOException {
        Path path = file("a.txt", "old");
        FileChannel before = cache.open(path);
        Path fresh = file("a.txt.new", "newer");
        Files.move(fresh, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel within = cache.open(path)) {
            assertEquals("old", read(within), "within the window the cached file is served (documented)");
        }
        pastWindow();
        try (FileChannel after = cache.open(path)) {
            assertEquals("newer", read(after));
            assertEquals(5, after.size());
            assertNotSame(OpenFiles.unwrap(before), OpenFiles.unwrap(after));
            assertEquals("old", read(before), "a holder of the old file keeps reading it");
            assertEquals(2, cache.openChannels());
            before.close();
            assertEquals(1, cache.openChannels(), "the replaced file closes with its last holder");
            assertFalse(OpenFiles.unwrap(before).isOpen());
        }
    }

    @Test
    void aDeletedFileIsMissingAfterTheWindowAndItsChannelCloses() throws IOException {
        Path path = file("gone.txt", "bytes");
        cache.open(path).close();
        Files.delete(path);
        pastWindow();
        assertThrows(NoSuchFileException.class, () -> cache.open(path));
        assertEquals(OptionalLong.empty(), cache.regularFileSize(path));
        assertEquals(0, cache.size());
        assertEquals(0, cache.openChannels(), "the deleted file's fd is closed, its space given back");
    }

    @Test
    void aFileResizedOrTouchedInPlaceIsSeenAfterTheWindow() throws IOException {
        Path path = file("grow.txt", "abc");
        assertEquals(OptionalLong.of(3), cache.regularFileSize(path));
        Files.writeString(path, "abcdef"); // same inode
        try (FileChannel within = cache.open(path)) {
            assertEquals("abc", read(within), "the size is the cached one within the window");
        }
        pastWindow();
        assertEquals(OptionalLong.of(6), cache.regularFileSize(path));
        Files.writeString(path, "ABCDEF");
        Files.setLastModifiedTime(path, FileTime.fromMillis(0));
        pastWindow();
        try (FileChannel touched = cache.open(path)) {
            assertEquals("ABCDEF", read(touched));
        }
        assertEquals(1, cache.openChannels(), "each change dropped the previous entry");
    }

    @Test
    void theCacheIsBoundedAndClosesIdleFiles() throws IOException {
        for (int i = 0; i < 10; i++) {
            now += 1_000;
            cache.open(file("f" + i, "x".repeat(i))).close();
            assertTrue(cache.size() <= 4 && cache.openChannels() <= 4, "bounded at 4: " + cache.size());
        }
        assertEquals(4, cache.size());
        cache.sweep();
        assertEquals(4, cache.size(), "recently used entries stay");
        now += IDLE.toNanos() + 1;
        cache.sweep();
        assertEquals(0, cache.size());
        assertEquals(0, cache.openChannels());
    }

    @Test
    void onlyRegularFilesAreCachedAndLinksAreNotRegularFilesToLookUps() throws IOException {
        Path target = file("target.txt", "linked");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
        assertEquals(OptionalLong.empty(), cache.regularFileSize(link));
        try (FileChannel viaLink = cache.open(link)) {
            assertEquals("linked", read(viaLink), "open follows links, as FileChannel.open does");
        }
        assertEquals(OptionalLong.empty(), cache.regularFileSize(dir));
        assertEquals(OptionalLong.empty(), cache.regularFileSize(dir.resolve("missing")));
        try (FileChannel folder = cache.open(dir)) {
            assertFalse(OpenFiles.isShared(folder), "not a regular file: opened uncached");
        }
    }

    @Test
    void afterCloseFilesOpenUncachedAndHeldChannelsCloseWithTheirHolders() throws IOException {
        Path path = file("a.txt", "abc");
        FileChannel held = cache.open(path);
        cache.close();
        assertEquals(1, cache.openChannels());
        assertEquals("abc", read(held));
        held.close();
        assertEquals(0, cache.openChannels());
        assertThrows(ClosedChannelException.class, () -> held.read(ByteBuffer.allocate(1), 0));
        try (FileChannel plain = cache.open(path)) {
            assertFalse(OpenFiles.isShared(plain));
        }
    }

    @Test
    void anInterruptedReaderDoesNotCloseTheSharedChannel() throws IOException {
        Path path = file("a.txt", "abc");
        FileChannel shared;
        try (FileChannel lease = cache.open(path)) {
            shared = OpenFiles.unwrap(lease);
            Thread.currentThread().interrupt();
            try {
                assertEquals(3, lease.read(ByteBuffer.allocate(3), 0));
            } finally {
                Thread.interrupted();
            }
        }
        assertTrue(shared.isOpen(), "an interrupt would have closed a plain FileChannel for every holder");
        try (FileChannel again = cache.open(path)) {
            assertSame(shared, OpenFiles.unwrap(again));
        }
    }

    @Test
    void churnLeavesNoFileDescriptorOpen() throws IOException {
        long before = openFds();
        for (int round = 0; round < 20; round++) {
            Path path = file("churn" + (round % 6), "round " + round);
            FileChannel lease = cache.open(path);
            if (round % 3 == 0) {
                Files.delete(path);
            }
            pastWindow();
            lease.close();
            cache.regularFileSize(path);
        }
        cache.close();
        cache = new OpenFileCache(4, WINDOW, IDLE, () -> now);
        assertEquals(before, openFds(), "fds of this process before and after");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
