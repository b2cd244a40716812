package dev.weft.http1;

import dev.weft.api.ProgressListener;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;

/**
 * A piece of a response handed from the handler thread to the loop ({@link Http1Connection#submit}).
 * Immutable; the buffers and the file channel belong to the loop once submitted.
 *
 * @param buffers written in order
 * @param file a file region written after the buffers (the loop closes the channel), or null
 * @param last whether the response ends with this piece
 * @param keepAlive for the last piece: whether the connection may carry another exchange
 * @param broken the response failed half-way: the connection is closed
 * @param ready for pieces that wait: completed when the connection can take more
 */
record Piece(ByteBuffer[] buffers, FileChannel file, long position, long count, ProgressListener progress,
             boolean last, boolean keepAlive, boolean broken, CompletableFuture<Void> ready) {

    static Piece ending(boolean keepAlive, ByteBuffer... buffers) {
        return new Piece(buffers, null, 0, 0, null, true, keepAlive, false, null);
    }

    static Piece file(boolean keepAlive, ByteBuffer head, FileChannel file, long position, long count,
                      ProgressListener progress) {
        return new Piece(new ByteBuffer[] {head}, file, position, count, progress, true, keepAlive, false, null);
    }

    static Piece more(ByteBuffer... buffers) {
        return new Piece(buffers, null, 0, 0, null, false, true, false, new CompletableFuture<>());
    }

    static Piece failed() {
        return new Piece(new ByteBuffer[0], null, 0, 0, null, true, false, true, null);
    }
}
