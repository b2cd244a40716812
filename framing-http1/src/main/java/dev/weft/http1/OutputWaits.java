package dev.weft.http1;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What one HTTP/1.1 connection's output waits on: streamed responses waiting for the socket to
 * turn writable, and the file channels handed to the transport until their last byte is out.
 *
 * <p>State: both collections are owned by the connection's event loop; every method but
 * {@link #refuse} runs there.
 */
final class OutputWaits {
    private final Connection connection;
    /** Loop: streamed responses waiting for the connection to turn writable. */
    private final List<CompletableFuture<Void>> writableWaiters = new ArrayList<>();
    /** Loop: file channels handed to the transport and not yet done. */
    private final Set<FileChannel> openFiles = new HashSet<>();

    OutputWaits(Connection connection) {
        this.connection = connection;
    }

    /** Hands {@code piece}'s file region to the transport; the channel is closed when it is sent (or the connection closes). */
    void writeFile(Piece piece) {
        FileChannel file = piece.file();
        ProgressListener user = piece.progress();
        openFiles.add(file);
        connection.writeFile(file, piece.position(), piece.count(), progress -> {
            user.onProgress(progress);
            if (progress instanceof SendProgress.Done) {
                openFiles.remove(file);
                closeQuietly(file);
            }
        });
    }

    /** Completes {@code ready} now if the connection takes more, else when it turns writable. */
    void whenWritable(CompletableFuture<Void> ready) {
        if (connection.isWritable()) {
            ready.complete(null);
        } else {
            writableWaiters.add(ready);
        }
    }

    /** The connection turned writable: every waiting response goes on. */
    void wakeWaiters() {
        List<CompletableFuture<Void>> waiters = new ArrayList<>(writableWaiters);
        writableWaiters.clear();
        for (CompletableFuture<Void> waiter : waiters) {
            waiter.complete(null);
        }
    }

    /** The exchange ended badly: every waiting response fails with {@code cause}. */
    void failWaiters(IOException cause) {
        for (CompletableFuture<Void> waiter : writableWaiters) {
            waiter.completeExceptionally(cause);
        }
        writableWaiters.clear();
    }

    /** The connection closed: the files the transport still had are closed. */
    void closeFiles() {
        for (FileChannel file : openFiles) {
            closeQuietly(file);
        }
        openFiles.clear();
    }

    /** Any thread: a piece that will never be written; its file is closed and its waiter failed. */
    static void refuse(Piece piece) {
        closeQuietly(piece.file());
        if (piece.ready() != null) {
            piece.ready().completeExceptionally(new IOException("connection closed"));
        }
    }

    private static void closeQuietly(FileChannel file) {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // read-only: nothing lost
            }
        }
    }
}
