package dev.weft.http2;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * An open file region being sent as DATA frames. The transport may still be sending queued
 * regions after the stream is finished or reset, so the channel is closed only when the last
 * queued region reports {@link SendProgress.Done} and no more will be queued (or the connection
 * closes).
 *
 * <p>Threading: loop thread only (transport progress callbacks run there too).
 */
final class FileSource {
    final FileChannel channel;
    final ProgressListener userListener;
    long position;
    long remaining;
    private int regionsInFlight;
    private boolean queuingDone;
    private boolean closed;

    FileSource(FileChannel channel, long position, long count, ProgressListener userListener) {
        this.channel = channel;
        this.position = position;
        this.remaining = count;
        this.userListener = userListener;
    }

    /** @return the listener for one more queued region */
    ProgressListener regionListener() {
        regionsInFlight++;
        return progress -> {
            userListener.onProgress(progress);
            if (progress instanceof SendProgress.Done) {
                regionsInFlight--;
                closeIfIdle();
            }
        };
    }

    /** No more regions will be queued (all sent, or the stream is gone). */
    void finishQueuing() {
        queuingDone = true;
        closeIfIdle();
    }

    /** The connection closed: nothing queued will be sent any more. */
    void closeNow() {
        queuingDone = true;
        regionsInFlight = 0;
        closeIfIdle();
    }

    private void closeIfIdle() {
        if (queuingDone && regionsInFlight == 0 && !closed) {
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // a read-only channel: nothing was lost
            }
        }
    }

    boolean isClosed() {
        return closed;
    }
}
