package dev.weft.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Quotas and storage choices for request bodies that are parsed into forms (seed 001's
 * {@code BodyPolicy}). Quotas are enforced while the body streams in: nothing is buffered beyond
 * them, and going over answers 413 (431 for part headers) and deletes the request's temp files.
 *
 * <p>The server binds a default policy (flags {@code --max-ram}, {@code --max-disk},
 * {@code --max-header}, {@code --max-parts}, {@code --tmp-dir}); a route can use another with
 * {@link Handlers#withBodyPolicy(BodyPolicy, Handler)}, because quotas are form-specific.
 *
 * <p>Threading: immutable.
 *
 * @param tempDirectory where file parts are saved; {@code null} means the server's private
 *     temp directory
 * @param maxRam bytes of values held in memory, summed over one request
 * @param maxDisk bytes of files saved to disk, summed over one request
 * @param maxHeader bytes of one part's headers
 * @param maxParts parts in one request (CVE-2023-24998 was the missing cap)
 * @param storage decides, per part, memory or disk
 */
public record BodyPolicy(Path tempDirectory, long maxRam, long maxDisk, int maxHeader, int maxParts,
                         StorageStrategy storage) {

    /** 1 MiB of in-memory values per request. */
    public static final long DEFAULT_MAX_RAM = 1L << 20;
    /** 4 GiB of files per request: large uploads work out of the box; lower it for public forms. */
    public static final long DEFAULT_MAX_DISK = 4L << 30;
    /** 16 KiB of headers per part. */
    public static final int DEFAULT_MAX_HEADER = 16 << 10;
    /** 1,000 parts per request. */
    public static final int DEFAULT_MAX_PARTS = 1_000;

    /** @throws IllegalArgumentException for a negative quota */
    public BodyPolicy {
        Objects.requireNonNull(storage, "storage is null");
        if (maxRam < 0 || maxDisk < 0 || maxHeader < 0 || maxParts < 0) {
            throw new IllegalArgumentException("quotas must be >= 0");
        }
    }

    /** @return the default quotas, the server's temp directory and the default strategy */
    public static BodyPolicy defaults() {
        return new BodyPolicy(null, DEFAULT_MAX_RAM, DEFAULT_MAX_DISK, DEFAULT_MAX_HEADER, DEFAULT_MAX_PARTS,
                StorageStrategy.FILES_TO_DISK);
    }

    /** @return this policy with another RAM quota */
    public BodyPolicy withMaxRam(long bytes) {
        return new BodyPolicy(tempDirectory, bytes, maxDisk, maxHeader, maxParts, storage);
    }

    /** @return this policy with another disk quota */
    public BodyPolicy withMaxDisk(long bytes) {
        return new BodyPolicy(tempDirectory, maxRam, bytes, maxHeader, maxParts, storage);
    }

    /** @return this policy with another part-header quota */
    public BodyPolicy withMaxHeader(int bytes) {
        return new BodyPolicy(tempDirectory, maxRam, maxDisk, bytes, maxParts, storage);
    }

    /** @return this policy with another part count cap */
    public BodyPolicy withMaxParts(int parts) {
        return new BodyPolicy(tempDirectory, maxRam, maxDisk, maxHeader, parts, storage);
    }

    /** @return this policy with another temp directory */
    public BodyPolicy withTempDirectory(Path directory) {
        return new BodyPolicy(directory, maxRam, maxDisk, maxHeader, maxParts, storage);
    }

    /** @return this policy with another storage strategy */
    public BodyPolicy withStorage(StorageStrategy strategy) {
        return new BodyPolicy(tempDirectory, maxRam, maxDisk, maxHeader, maxParts, strategy);
    }

    /** Where one part's value is kept. */
    public enum Storage {
        /** In memory, counted against {@code maxRam}. */
        RAM,
        /** In a temp file, counted against {@code maxDisk}. */
        DISK
    }

    /**
     * Chooses storage for one part from what its headers say (seed 001's {@code inputWorker}).
     * Threading: called on the handler's thread; must be stateless or thread-safe.
     */
    @FunctionalInterface
    public interface StorageStrategy {
        /** File parts (those with a file name) to disk, other fields to memory. */
        StorageStrategy FILES_TO_DISK = (field, fileName, contentType) -> fileName != null ? Storage.DISK : Storage.RAM;

        /**
         * @param fieldName the form field's name
         * @param fileName the part's file name, or {@code null} for a plain field
         * @param contentType the part's content type, or {@code null}
         * @return where to keep the part's value
         */
        Storage choose(String fieldName, String fileName, String contentType);
    }
}
