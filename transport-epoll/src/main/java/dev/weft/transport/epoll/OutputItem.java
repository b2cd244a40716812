package dev.weft.transport.epoll;

import dev.weft.api.ProgressListener;
import java.nio.ByteBuffer;

/**
 * What waits in an {@link EpollOutput}'s queue, in order.
 *
 * <p>Ownership: the connection's loop thread, like the queue.
 */
sealed interface OutputItem {

    /** Heap or direct bytes; the buffer's position advances as they go out. */
    record Bytes(ByteBuffer buffer) implements OutputItem {
    }

    /** A file region and what is left of it. */
    final class File implements OutputItem {
        final FileRegionSource source;
        final ProgressListener listener;
        /** Copied into gathering writes (small) rather than sent with sendfile passes. */
        final boolean gathered;
        long remaining;

        File(FileRegionSource source, long count, ProgressListener listener) {
            this.source = source;
            this.remaining = count;
            this.listener = listener;
            this.gathered = count > 0 && count <= EpollOutput.GATHER_MAX;
        }
    }
}
