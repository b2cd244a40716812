package dev.weft.body;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's private directory for upload temp files.
 *
 * <p>Layout: a root (the {@code --tmp-dir} flag, owner-only permissions) holding one
 * {@code run-<random>} directory per running server. Each run holds an exclusive lock on its
 * {@code .lock} file for as long as it lives, so at start-up a server can tell the leftovers of a
 * crashed run (lock free) from a live neighbour sharing the root (lock held), and deletes only
 * the former. Temp files get 128-bit random names and owner-only permissions, created with
 * {@code CREATE_NEW} so a planted file or link is never followed.
 *
 * <p>The server opens one at start-up ({@link #open(Path)}) and closes it at shutdown, which
 * deletes the run directory.
 *
 * <p>Threading: {@link #newFile()} is thread-safe (handlers call it concurrently); the lock
 * channel is owned by this object and released in {@link #close()}.
 */
public final class TempDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TempDirectory.class);
    private static final String RUN_PREFIX = "run-";
    private static final String LOCK_FILE = ".lock";
    private static final String FILE_PREFIX = "upload-";
    /** A run directory without a lock file is a run that crashed between mkdir and lock, unless it is this young. */
    private static final Duration UNLOCKED_GRACE = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * The runs this JVM holds open. Their lock files are never opened again by the sweep: the
     * JDK locks with {@code fcntl}, whose locks belong to the process and are all dropped when
     * any descriptor of the file is closed, so probing our own run would silently unlock it and
     * let the next server on this root delete it under us.
     */
    private static final Set<Path> LIVE_RUNS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path root;
    private final Path runDirectory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final int sweptRuns;

    private TempDirectory(Path root, Path runDirectory, FileChannel lockChannel, FileLock lock, int sweptRuns) {
        this.root = root;
        this.runDirectory = runDirectory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.sweptRuns = sweptRuns;
    }

    /** @return {@code <java.io.tmpdir>/weft-<user>}, the root when {@code --tmp-dir} is not given */
    public static Path defaultRoot() {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "weft-" + user);
    }

    /**
     * Creates (or checks) the private root, sweeps leftovers of crashed runs, and starts this run.
     *
     * @param root the directory; created with owner-only permissions if missing
     * @return the open temp directory
     * @throws IOException if the root is not a directory owned by this user (a symbolic link is
     *     refused), or cannot be created or locked
     */
    public static TempDirectory open(Path root) throws IOException {
        Objects.requireNonNull(root, "root is null");
        Path absolute = root.toAbsolutePath().normalize();
        preparePrivateRoot(absolute);
        Path run = Files.createDirectory(absolute.resolve(RUN_PREFIX + randomName()), ownerOnlyDirectory(absolute));
        try {
            checkOwnedAndPrivate(absolute, run);
        } catch (IOException refused) {
            Files.deleteIfExists(run);
            throw refused;
        }
        FileChannel channel = FileChannel.open(run.resolve(LOCK_FILE), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("could not lock new temp run directory " + run);
        }
        LIVE_RUNS.add(run);
        // swept after this run holds its lock, so the sweep can never take this run for dead
        int swept = sweepDeadRuns(absolute);
        if (swept > 0) {
            LOG.info("deleted {} leftover temp run director{} of crashed servers in {}", swept,
                    swept == 1 ? "y" : "ies", absolute);
        }
        return new TempDirectory(absolute, run, channel, lock, swept);
    }

    /** @return the root shared by runs */
    public Path root() {
        return root;
    }

    /** @return this run's directory, where {@link #newFile()} creates files */
    public Path runDirectory() {
        return runDirectory;
    }

    /** @return how many leftover run directories {@link #open(Path)} deleted */
    public int sweptRuns() {
        return sweptRuns;
    }

    /**
     * @return a new empty file in this run's directory, owner-only, with an unpredictable name
     * @throws IOException if it cannot be created (e.g. after {@link #close()})
     */
    public TempFile newFile() throws IOException {
        return newFileIn(runDirectory);
    }

    /**
     * Creates a temp file in a directory chosen by a per-route {@link dev.weft.api.BodyPolicy}.
     * Leftovers there are not swept at start-up: only the server's own directory is.
     *
     * @param directory an existing directory
     * @return a new empty file with an unpredictable name and owner-only permissions
     * @throws IOException if it cannot be created
     */
    public static TempFile newFileIn(Path directory) throws IOException {
        while (true) {
            Path candidate = directory.resolve(FILE_PREFIX + randomName() + ".tmp");
            try {
                Files.createFile(candidate, ownerOnlyFile(directory));
                return new TempFile(candidate);
            } catch (FileAlreadyExistsException collision) {
                // 128 random bits make this practically impossible; try another name rather than fail
                LOG.warn("temp name collision in {}", directory);
            }
        }
    }

    /** Deletes this run's directory with whatever is left in it and releases its lock. Idempotent. */
    @Override
    public void close() {
        try {
            deleteTree(runDirectory);
        } catch (IOException e) {
            LOG.warn("could not delete temp run directory {}: {}", runDirectory, e.toString());
        } finally {
            LIVE_RUNS.remove(runDirectory);
            try {
                lock.release();
            } catch (IOException | RuntimeException ignored) {
                // the channel may already be closed: the lock went with it
            }
            try {
                lockChannel.close();
            } catch (IOException e) {
                LOG.warn("could not close temp lock file: {}", e.toString());
            }
        }
    }

    private static void preparePrivateRoot(Path root) throws IOException {
        if (Files.isSymbolicLink(root)) {
            throw new IOException("temp directory " + root + " is a symbolic link; refusing to use it");
        }
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(root.getParent());
            try {
                Files.createDirectory(root, ownerOnlyDirectory(root.getParent()));
            } catch (FileAlreadyExistsException raced) {
                // another server created it first: checked below like any existing directory
            }
        }
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("temp directory " + root + " exists and is not a directory");
        }
    }

    /**
     * Refuses a root owned by someone else, comparing its owner with the owner of the run
     * directory this process just created in it (no user-name lookup, which fails for a uid
     * without a passwd entry), then closes it to other users.
     */
    private static void checkOwnedAndPrivate(Path root, Path ownRun) throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(root, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (posix == null) {
            return;
        }
        UserPrincipal owner = posix.getOwner();
        UserPrincipal me = Files.getOwner(ownRun, LinkOption.NOFOLLOW_LINKS);
        if (!owner.equals(me)) {
            throw new IOException("temp directory " + root + " belongs to " + owner.getName()
                    + ", not to " + me.getName() + "; choose another with --tmp-dir");
        }
        // tighten an existing directory: other users must not list it or plant files in it
        posix.setPermissions(PosixFilePermissions.fromString("rwx------"));
    }

    private static int sweepDeadRuns(Path root) throws IOException {
        int swept = 0;
        try (DirectoryStream<Path> runs = Files.newDirectoryStream(root, RUN_PREFIX + "*")) {
            for (Path run : runs) {
                if (Files.isDirectory(run, LinkOption.NOFOLLOW_LINKS) && isDead(run)) {
                    try {
                        deleteTree(run);
                        swept++;
                    } catch (IOException e) {
                        LOG.warn("could not delete leftover temp directory {}: {}", run, e.toString());
                    }
                }
            }
        }
        return swept;
    }

    private static boolean isDead(Path run) throws IOException {
        if (LIVE_RUNS.contains(run)) {
            return false; // ours: probing it would drop our own lock (see LIVE_RUNS)
        }
        Path lockFile = run.resolve(LOCK_FILE);
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            FileTime modified = Files.getLastModifiedTime(run, LinkOption.NOFOLLOW_LINKS);
            return modified.toInstant().isBefore(Instant.now().minus(UNLOCKED_GRACE));
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock probe = channel.tryLock();
            if (probe == null) {
                return false;
            }
            probe.release();
            return true;
        } catch (OverlappingFileLockException heldByThisJvm) {
            return false;
        } catch (NoSuchFileException goneMeanwhile) {
            return false;
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String randomName() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static FileAttribute<?>[] ownerOnlyDirectory(Path where) {
        return supportsPosix(where)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                : new FileAttribute<?>[0];
    }

    private static FileAttribute<?>[] ownerOnlyFile(Path where) {
        Set<PosixFilePermission> ownerReadWrite = PosixFilePermissions.fromString("rw-------");
        return supportsPosix(where)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(ownerReadWrite)}
                : new FileAttribute<?>[0];
    }

    private static boolean supportsPosix(Path where) {
        return where.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
