package dev.weft.spi;

import dev.weft.api.ProgressListener;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One accepted connection, as the transport offers it to a {@link ConnectionHandler}.
 *
 * <p><b>Threading</b>: a connection is confined to its {@link #eventLoop()}. The output methods
 * ({@link #write}, {@link #writeFile}, {@link #flush}, {@link #shutdownOutput},
 * {@link #setReadPaused}) must be called on that loop and throw {@link IllegalStateException}
 * elsewhere; hop there with {@code eventLoop().execute(...)}. {@link #close()},
 * {@link #abort()}, {@link #isOpen()} and the address getters may be called from any thread.
 *
 * <p><b>Output</b> is a queue of buffers and file regions sent in order. {@link #write} and
 * {@link #writeFile} only queue; {@link #flush} sends what the socket takes now (one gathering
 * write where possible) and the transport keeps sending the rest as the socket drains.
 *
 * <p><b>Back-pressure</b>: when the queued bytes exceed the high watermark the connection turns
 * {@linkplain #isWritable() unwritable}, the handler hears
 * {@link ConnectionHandler#onWritabilityChanged(boolean)}, and the transport stops reading from
 * the peer (a peer that does not read its answers does not get to send more requests); below
 * the low watermark both resume.
 */
public interface Connection {

    /** @return an id unique within this process, for logs */
    long id();

    /** @return the local address */
    InetSocketAddress localAddress();

    /** @return the peer's address */
    InetSocketAddress remoteAddress();

    /** @return the loop that owns this connection */
    EventLoop eventLoop();

    /**
     * Queues {@code buffer}'s remaining bytes. The transport owns the buffer until it is
     * written: do not change it after. Loop thread only.
     */
    void write(ByteBuffer buffer);

    /**
     * Queues {@code count} bytes of {@code file} from {@code position}, sent zero-copy where the
     * transport can ({@code sendfile(2)}, {@code FileChannel.transferTo}). The caller keeps
     * owning the channel and closes it after the region is done ({@code listener} hears
     * {@link dev.weft.api.SendProgress.Done}) or the connection closed. Loop thread only.
     *
     * @param listener told about each pass of the send loop; any send progress also refreshes
     *     the idle timeout
     */
    void writeFile(FileChannel file, long position, long count, ProgressListener listener);

    /**
     * Sends what the socket takes now; the rest follows as it drains. Loop thread only.
     *
     * <p>A flush asked for from a task the loop runs ({@link EventLoop#execute}) may be coalesced
     * with the other flushes of the same pass of tasks: the transport then sends at the end of
     * that pass, before it waits for I/O again, so many small response pieces handed over by
     * handler threads leave in one gathering write. Flushes from I/O callbacks (such as
     * {@link ConnectionHandler#onRead}) and timers send at once.
     */
    void flush();

    /** @return whether the queued output is under the high watermark */
    boolean isWritable();

    /** @return bytes queued and not yet sent (buffers and file regions) */
    long pendingOutputBytes();

    /** @return whether the transport can send file regions without copying them into user space */
    boolean zeroCopyFiles();

    /**
     * @return whether the bytes travel encrypted (TLS): HTTP/1.1 then reports scheme {@code https}
     *     and refuses {@code Upgrade: h2c}, which RFC 9113 §3.1 allows on cleartext only
     */
    default boolean secure() {
        return false;
    }

    /**
     * Stops (or resumes) reading from the peer, on top of the transport's own back-pressure.
     * Loop thread only.
     */
    void setReadPaused(boolean paused);

    /**
     * Half-closes: sends FIN once everything queued has been sent; reading goes on.
     * Loop thread only.
     */
    void shutdownOutput();

    /**
     * Closes the connection: what the socket takes at once of the queued output is sent, the
     * rest dropped. The handler hears {@link ConnectionHandler#onClosed}. Any thread; idempotent.
     */
    void close();

    /** Resets the connection (RST, via {@code SO_LINGER 0}), dropping queued output. Any thread. */
    void abort();

    /** @return whether the connection is still open */
    boolean isOpen();
}
