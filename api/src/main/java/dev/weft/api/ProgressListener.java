package dev.weft.api;

/**
 * Told about each pass of the send loop over a file region.
 *
 * <p>Threading: called on the connection's event loop thread; must return quickly and never
 * block.
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = progress -> { };

    /** @param progress what the last pass did */
    void onProgress(SendProgress progress);
}
