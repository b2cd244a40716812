package dev.weft.tls;

import dev.weft.api.ProgressListener;
import dev.weft.spi.Connection;
import dev.weft.spi.EventLoop;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The decrypted side of a TLS connection, as the protocol sees it: writes are queued as
 * plaintext and encrypted on {@link #flush}; identity and loop are the raw connection's.
 *
 * <p>Ownership: stateless itself; the state is its {@link TlsSession}'s, confined to the loop.
 * The threading rules are {@link Connection}'s.
 */
final class SecuredConnection implements Connection {
    private final TlsSession session;
    private final Connection raw;

    SecuredConnection(TlsSession session, Connection raw) {
        this.session = session;
        this.raw = raw;
    }

    @Override
    public long id() {
        return raw.id();
    }

    @Override
    public InetSocketAddress localAddress() {
        return raw.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return raw.remoteAddress();
    }

    @Override
    public EventLoop eventLoop() {
        return raw.eventLoop();
    }

    @Override
    public void write(ByteBuffer buffer) {
        checkLoop();
        session.out.queue(buffer);
    }

    @Override
    public void writeFile(FileChannel file, long position, long count, ProgressListener listener) {
        checkLoop();
        session.out.queueFile(file, position, count, listener);
    }

    @Override
    public void flush() {
        checkLoop();
        session.out.pump();
    }

    @Override
    public boolean isWritable() {
        return session.out.securedWritable();
    }

    @Override
    public long pendingOutputBytes() {
        return session.out.plainPending() + raw.pendingOutputBytes();
    }

    /** Files are read and encrypted in user space: TLS records cannot be made by {@code sendfile}. */
    @Override
    public boolean zeroCopyFiles() {
        return false;
    }

    @Override
    public boolean secure() {
        return true;
    }

    @Override
    public void setReadPaused(boolean paused) {
        checkLoop();
        session.setReadPaused(paused);
    }

    @Override
    public void shutdownOutput() {
        checkLoop();
        session.out.shutdownOutput();
    }

    @Override
    public void close() {
        if (raw.eventLoop().inEventLoop()) {
            session.closeGracefully();
        } else if (raw.isOpen()) {
            raw.eventLoop().execute(session::closeGracefully);
        }
    }

    @Override
    public void abort() {
        raw.abort();
    }

    @Override
    public boolean isOpen() {
        return raw.isOpen();
    }

    @Override
    public String toString() {
        return "tls+" + raw;
    }

    private void checkLoop() {
        if (!raw.eventLoop().inEventLoop()) {
            throw new IllegalStateException("connection output must be used on its event loop; use eventLoop().execute(...)");
        }
    }
}
