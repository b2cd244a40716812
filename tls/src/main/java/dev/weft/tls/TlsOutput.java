package dev.weft.tls;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output side of one TLS connection: the protocol's buffers and file regions wait in order as
 * plaintext ({@link #output}); {@link #pump} encrypts them in gathering passes of up to
 * {@link #PASS_BYTES} (buffers and file bytes together, so an HTTP/2 DATA frame's 9-byte header
 * shares a record with its payload: a 1 MiB file is 64 full records, not 128 records half of them
 * tiny) into batches of whole records handed to the raw connection, until it turns unwritable; its
 * writability coming back resumes the pump. The secured connection turns unwritable over
 * {@link #PLAIN_HIGH} bytes of plaintext waiting or when the raw connection is, and writable again
 * under {@link #PLAIN_LOW} with the raw one writable.
 *
 * <p>Ownership: every field is owned by the connection's event loop; the {@link TlsSession} it
 * belongs to owns the engine's input side, the handshake and the connection's lifecycle, and is
 * told here about failures and writability.
 */
final class TlsOutput {
    private static final Logger LOG = LoggerFactory.getLogger(TlsOutput.class);
    /** Plaintext waiting over which the secured connection turns unwritable. */
    static final int PLAIN_HIGH = 64 * 1024;
    /** Plaintext waiting under which it turns writable again (with the raw connection writable). */
    static final int PLAIN_LOW = 32 * 1024;
    /** Plaintext encrypted per pass (buffers and file data together): four full TLS records. */
    private static final int PASS_BYTES = 4 * 16 * 1024;
    /** Records per output batch handed to the raw connection. */
    private static final int RECORDS_PER_BATCH = 4;
    /** Buffers per gathering wrap. */
    private static final int MAX_GATHER = 64;
    static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};
    /** Per-loop file read buffer, shared by the loop's connections (one callback runs at a time). */
    private static final ThreadLocal<ByteBuffer> FILE_SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(PASS_BYTES));

    private final TlsSession session;
    private final Connection raw;
    private final SSLEngine engine;
    private final ArrayDeque<Object> output = new ArrayDeque<>();
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    /** Plaintext bytes taken from each gathered queue entry in the current pass. */
    private final int[] taken = new int[MAX_GATHER];
    /** The output batch being filled with records, in write mode; null when none. */
    private ByteBuffer netOut;
    private long plainPending;
    private boolean securedWritable = true;
    private boolean pumping;
    private boolean outputShutdownRequested;
    private boolean closeNotifySent;

    TlsOutput(TlsSession session, Connection raw, SSLEngine engine) {
        this.session = session;
        this.raw = raw;
        this.engine = engine;
    }

    void queue(ByteBuffer buffer) {
        if (outputClosed() || !buffer.hasRemaining()) {
            return;
        }
        output.add(buffer);
        plainPending += buffer.remaining();
        updateWritability();
    }

    void queueFile(FileChannel file, long position, long count, ProgressListener listener) {
        if (outputClosed()) {
            return;
        }
        if (count == 0) {
            listener.onProgress(new SendProgress.Done(0));
            return;
        }
        output.add(new FileChunk(file, position, count, listener));
        plainPending += count;
        updateWritability();
    }

    private boolean outputClosed() {
        return session.failed() || !raw.isOpen() || outputShutdownRequested || closeNotifySent;
    }

    boolean securedWritable() {
        return securedWritable;
    }

    long plainPending() {
        return plainPending;
    }

    void shutdownOutput() {
        if (outputShutdownRequested || !raw.isOpen()) {
            return;
        }
        outputShutdownRequested = true;
        pump();
    }

    /** Encrypts queued output while the raw connection is writable; then sends. */
    void pump() {
        if (pumping || !raw.isOpen() || session.failed()) {
            return;
        }
        pumping = true;
        try {
            while (!output.isEmpty() && raw.isOpen() && raw.isWritable()) {
                encryptPass(false);
            }
            if (output.isEmpty() && outputShutdownRequested && !closeNotifySent && raw.isOpen()) {
                sendCloseNotify();
                emitNetOut();
                raw.shutdownOutput();
            } else {
                emitNetOut();
            }
        } catch (SSLException e) {
            pumping = false;
            session.fail(e);
            return;
        } catch (IOException e) {
            pumping = false;
            LOG.warn("connection {} from {}: reading a file to encrypt failed: {}; closing", raw.id(), raw.remoteAddress(),
                    e.toString());
            session.markFailed();
            output.clear();
            plainPending = 0;
            raw.abort();
            return;
        } finally {
            pumping = false;
        }
        if (raw.isOpen()) {
            raw.flush();
        }
        updateWritability();
    }

    /**
     * Encrypts up to {@link #PASS_BYTES} from the head of the queue in one gathering pass: buffers
     * and file data together, so a DATA frame's 9-byte header and its payload share a record.
     * File data is read into the loop's scratch buffer and always encrypted whole within the pass.
     *
     * @param buffersOnly stop at the first file region (closing: only what is in memory goes)
     */
    private void encryptPass(boolean buffersOnly) throws IOException {
        ByteBuffer fileScratch = FILE_SCRATCH.get().clear();
        int count = 0;
        int budget = PASS_BYTES;
        for (Object entry : output) {
            if (count == MAX_GATHER || budget == 0) {
                break;
            }
            if (entry instanceof ByteBuffer buffer) {
                int take = Math.min(buffer.remaining(), budget);
                gather[count] = take == buffer.remaining() ? buffer : buffer.slice(buffer.position(), take);
                taken[count++] = take;
                budget -= take;
                if (take < buffer.remaining()) {
                    break;
                }
            } else {
                FileChunk chunk = (FileChunk) entry;
                int take = (int) Math.min(chunk.remaining, Math.min(budget, fileScratch.remaining()));
                if (buffersOnly || take == 0) {
                    break;
                }
                ByteBuffer slice = fileScratch.slice(fileScratch.position(), take);
                while (slice.hasRemaining()) {
                    if (chunk.file.read(slice, chunk.position + slice.position()) < 0) {
                        throw new IOException("file region ends past the end of the file (" + chunk.file.size() + " bytes)");
                    }
                }
                fileScratch.position(fileScratch.position() + take);
                gather[count] = slice.flip();
                taken[count++] = take;
                budget -= take;
                if (take < chunk.remaining) {
                    break; // the rest of this region must go before anything after it
                }
            }
        }
        try {
            int start = 0;
            while (start < count) {
                SSLEngineResult result = wrapRecord(gather, start, count - start);
                if (result.getStatus() == SSLEngineResult.Status.CLOSED || result.bytesConsumed() == 0) {
                    throw new SSLException("the TLS engine took no plaintext");
                }
                while (start < count && !gather[start].hasRemaining()) {
                    start++;
                }
            }
        } finally {
            Arrays.fill(gather, 0, count, null);
        }
        // Account in queue order; progress is told after, so a listener that queues (or closes)
        // sees a consistent queue.
        List<Runnable> progress = null;
        for (int i = 0; i < count; i++) {
            Object head = output.peek();
            int take = taken[i];
            plainPending -= take;
            if (head instanceof ByteBuffer buffer) {
                if (buffer.remaining() > take) {
                    buffer.position(buffer.position() + take); // a slice went out
                } else {
                    buffer.position(buffer.limit());
                    output.poll();
                }
            } else if (head instanceof FileChunk chunk) {
                chunk.position += take;
                chunk.remaining -= take;
                SendProgress event = chunk.remaining == 0 ? new SendProgress.Done(take) : new SendProgress.Sent(take);
                if (chunk.remaining == 0) {
                    output.poll();
                }
                if (progress == null) {
                    progress = new ArrayList<>(2);
                }
                progress.add(() -> chunk.listener.onProgress(event));
            }
        }
        if (progress != null) {
            progress.forEach(Runnable::run);
        }
    }

    /** Wraps one record into the current batch, starting a new batch when it has no room for one. */
    SSLEngineResult wrapRecord(ByteBuffer[] sources, int offset, int length) throws SSLException {
        int packet = engine.getSession().getPacketBufferSize();
        if (netOut != null && netOut.remaining() < packet) {
            emitNetOut();
        }
        if (netOut == null || netOut.remaining() < packet) {
            netOut = ByteBuffer.allocate(RECORDS_PER_BATCH * packet);
        }
        SSLEngineResult result = engine.wrap(sources, offset, length, netOut);
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            // The session's packet size grew (it can after the handshake): a larger batch, once.
            emitNetOut();
            netOut = ByteBuffer.allocate(RECORDS_PER_BATCH * engine.getSession().getPacketBufferSize());
            result = engine.wrap(sources, offset, length, netOut);
        }
        return result;
    }

    /** Hands the batch's records to the raw connection: the batch itself when mostly full, else a copy. */
    void emitNetOut() {
        if (netOut == null || netOut.position() == 0 || !raw.isOpen()) {
            return;
        }
        netOut.flip();
        if (netOut.remaining() >= netOut.capacity() / 2) {
            ByteBuffer full = netOut;
            netOut = null;
            raw.write(full);
        } else {
            ByteBuffer exact = ByteBuffer.allocate(netOut.remaining());
            exact.put(netOut).flip();
            netOut.clear();
            raw.write(exact);
        }
    }

    private void sendCloseNotify() throws SSLException {
        closeNotifySent = true;
        engine.closeOutbound();
        for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
            if (wrapRecord(NOTHING, 0, 1).bytesProduced() == 0) {
                break;
            }
        }
    }

    void updateWritability() {
        boolean now = securedWritable
                ? raw.isWritable() && plainPending <= PLAIN_HIGH
                : raw.isWritable() && plainPending <= PLAIN_LOW;
        if (now != securedWritable) {
            securedWritable = now;
            session.securedWritabilityChanged(now);
        }
    }

    /** The raw connection's writability changed. */
    void rawWritabilityChanged(boolean writable) {
        if (writable && !pumping) {
            pump();
        } else {
            updateWritability();
        }
    }

    /** Whether close_notify went out (or the engine's outbound side closed while wrapping). */
    boolean closeNotifySent() {
        return closeNotifySent;
    }

    void markCloseNotifySent() {
        closeNotifySent = true;
    }

    /** Closing gracefully: the queued buffers (not files) and close_notify go out; the rest is dropped. */
    void goodbye() {
        if (!session.failed() && !closeNotifySent && !pumping) {
            try {
                while (!output.isEmpty() && output.peek() instanceof ByteBuffer) {
                    encryptPass(true);
                }
                sendCloseNotify();
                emitNetOut();
            } catch (IOException e) {
                LOG.debug("connection {}: TLS goodbye failed: {}", raw.id(), e.getMessage());
            }
        }
        drop();
    }

    /** Failing: the queue is dropped and the alert the engine has queued goes out. */
    void alert() {
        drop();
        try {
            engine.closeOutbound();
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                if (wrapRecord(NOTHING, 0, 1).bytesProduced() == 0) {
                    break;
                }
            }
            emitNetOut();
        } catch (SSLException | RuntimeException ignored) {
            // no alert then; the close says enough
        }
    }

    /** Forgets everything queued (the connection is closing or closed). */
    void drop() {
        output.clear();
        plainPending = 0;
    }

    void released() {
        drop();
        netOut = null;
    }

    /** A queued file region, read and encrypted piece by piece. Loop thread only. */
    private static final class FileChunk {
        final FileChannel file;
        final ProgressListener listener;
        long position;
        long remaining;

        FileChunk(FileChannel file, long position, long count, ProgressListener listener) {
            this.file = file;
            this.position = position;
            this.remaining = count;
            this.listener = listener;
        }
    }
}
