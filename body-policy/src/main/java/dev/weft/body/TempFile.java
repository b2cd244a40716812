package dev.weft.body;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One temp file of an upload. Closing it deletes the file; it is registered in the exchange's
 * {@link dev.weft.api.ExchangeResources} as soon as it exists, so it cannot outlive the
 * exchange however that ends.
 *
 * <p>Threading: {@link #close()} is idempotent and safe from any thread (the protocol closes the
 * exchange's resources from its own thread while a parse may be failing on the handler's).
 */
public final class TempFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TempFile.class);

    private final Path path;

    TempFile(Path path) {
        this.path = path;
    }

    /** @return where the file is (until it is deleted or moved away) */
    public Path path() {
        return path;
    }

    /** Deletes the file if it is still there; a failure is logged, not thrown. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("could not delete temp file {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "TempFile[" + path + "]";
    }
}
