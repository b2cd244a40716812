package dev.weft.api;

/**
 * One pass of a transport's send loop over a file region (seed 001's sendfile hook): how many
 * bytes that pass moved, and whether the socket took everything, filled up, or finished.
 * Listeners use it to refresh idle timeouts while a large file goes out, or to report progress.
 */
public sealed interface SendProgress permits SendProgress.Sent, SendProgress.WouldBlock, SendProgress.Done {

    /** @return bytes moved to the socket in this pass */
    long bytes();

    /** The pass moved {@code bytes} and the socket can take more: another pass follows. */
    record Sent(long bytes) implements SendProgress {
    }

    /** The pass moved {@code bytes}, then the socket's buffer was full: waiting for writability. */
    record WouldBlock(long bytes) implements SendProgress {
    }

    /** The pass moved {@code bytes} and the region is now completely sent. */
    record Done(long bytes) implements SendProgress {
    }
}
