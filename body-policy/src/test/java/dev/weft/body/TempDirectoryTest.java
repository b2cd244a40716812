package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class TempDirectoryTest {
    @TempDir
    Path parent;

    @Test
    void createsAnOwnerOnlyRootAndRunDirectory() throws IOException {
        Path root = parent.resolve("weft");
        try (TempDirectory temp = TempDirectory.open(root)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.runDirectory())));
            assertEquals(root, temp.runDirectory().getParent());
        }
    }

    @Test
    void tightensAnExistingRootThatOthersCouldRead() throws IOException {
        Path root = Files.createDirectory(parent.resolve("open"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        try (TempDirectory temp = TempDirectory.open(root)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
            assertEquals(root, temp.root());
        }
    }

    @Test
    void refusesASymbolicLinkAsRoot() throws IOException {
        Path target = Files.createDirectory(parent.resolve("target"));
        Path link = Files.createSymbolicLink(parent.resolve("link"), target);
        IOException error = assertThrows(IOException.class, () -> TempDirectory.open(link));
        assertTrue(error.getMessage().contains("symbolic link"), error.getMessage());
    }

    @Test
    void refusesAFileAsRoot() throws IOException {
        Path file = Files.createFile(parent.resolve("file"));
        IOException error = assertThrows(IOException.class, () -> TempDirectory.open(file));
        assertTrue(error.getMessage().contains("not a directory"), error.getMessage());
    }

    @Test
    void newFilesHaveUnpredictableDistinctNames() throws IOException {
        try (TempDirectory temp = TempDirectory.open(parent.resolve("weft"))) {
            TempFile first = temp.newFile();
            TempFile second = temp.newFile();
            assertNotEquals(first.path(), second.path());
            assertTrue(first.path().getFileName().toString().matches("upload-[0-9a-f]{32}\\.tmp"));
            first.close();
            assertFalse(Files.exists(first.path()));
            first.close(); // idempotent
            assertTrue(Files.exists(second.path()));
        }
    }

    @Test
    void closeDeletesTheRunDirectoryWithItsFiles() throws IOException {
        TempDirectory temp = TempDirectory.open(parent.resolve("weft"));
        TempFile file = temp.newFile();
        Files.writeString(file.path(), "left behind");
        temp.close();
        assertFalse(Files.exists(temp.runDirectory()));
        assertTrue(Files.isDirectory(temp.root()));
    }

    @Test
    void sweepsLeftoversOfACrashedRunButNotALiveNeighbour() throws IOException {
        Path root = parent.resolve("weft");
        TempDirectory live = TempDirectory.open(root);
        Path liveFile = live.newFile().path();

        // a crashed run: its lock file exists but nobody holds the lock
        Path crashed = Files.createDirectory(root.resolve("run-crashed"));
        Files.createFile(crashed.resolve(".lock"));
        Files.writeString(crashed.resolve("upload-0123.tmp"), "half an upload");
        // a run that died between mkdir and lock, long ago
        Path unlockedOld = Files.createDirectory(root.resolve("run-unlocked-old"));
        Files.setLastModifiedTime(unlockedOld, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        // a run that may be starting right now
        Path unlockedYoung = Files.createDirectory(root.resolve("run-unlocked-young"));
        // not ours
        Path unrelated = Files.createDirectory(root.resolve("something-else"));

        try (TempDirectory restarted = TempDirectory.open(root)) {
            assertEquals(2, restarted.sweptRuns());
            assertFalse(Files.exists(crashed));
            assertFalse(Files.exists(unlockedOld));
            assertTrue(Files.exists(unlockedYoung));
            assertTrue(Files.exists(unrelated));
            assertTrue(Files.exists(liveFile), "a live server's files are left alone");
        } finally {
            live.close();
        }
    }

    /**
     * The JDK's file locks are fcntl locks, dropped for the whole process when any descriptor of
     * the file closes: a sweep that probed its own run's lock file would unlock it, and the next
     * server on the root would delete the live run. The kernel's lock table must still list both.
     */
    @Test
    void runsKeepTheirLocksAfterTheSweepsOfThisProcess() throws IOException {
        Path root = parent.resolve("weft");
        try (TempDirectory first = TempDirectory.open(root); TempDirectory second = TempDirectory.open(root)) {
            assertTrue(lockedByThisProcess(first.runDirectory().resolve(".lock")), "first run still locked");
            assertTrue(lockedByThisProcess(second.runDirectory().resolve(".lock")), "second run locked");
        }
    }

    /** @return whether /proc/locks lists a lock of this process on {@code file} */
    private static boolean lockedByThisProcess(Path file) throws IOException {
        long inode = (Long) Files.getAttribute(file, "unix:ino");
        String pid = Long.toString(ProcessHandle.current().pid());
        return Files.readAllLines(Path.of("/proc/locks")).stream()
                .map(line -> line.trim().split("\\s+"))
                .anyMatch(fields -> fields.length > 5 && fields[4].equals(pid) && fields[5].endsWith(":" + inode));
    }

    @Test
    void refusesARootOwnedBySomeoneElse() throws IOException {
        Path root = Files.createDirectory(parent.resolve("theirs"));
        try {
            Files.setAttribute(root, "unix:uid", 65_534); // nobody; only root may give a directory away
        } catch (IOException | UnsupportedOperationException notPermitted) {
            org.junit.jupiter.api.Assumptions.abort("cannot change a directory's owner here: " + notPermitted);
        }
        IOException error = assertThrows(IOException.class, () -> TempDirectory.open(root));
        assertTrue(error.getMessage().contains("belongs to"), error.getMessage());
        try (var left = Files.list(root)) {
            assertEquals(0, left.count(), "the probe run directory is removed again");
        }
    }
}
