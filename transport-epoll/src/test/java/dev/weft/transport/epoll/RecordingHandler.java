package dev.weft.transport.epoll;

import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A test handler that records what the transport told it, optionally echoing reads. Its fields
 * are written on the loop thread and read by the test thread after a latch or future.
 */
class RecordingHandler implements ConnectionHandler {
    final Connection connection;
    final boolean echo;
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final CountDownLatch inputClosed = new CountDownLatch(1);
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    final CopyOnWriteArrayList<Boolean> writabilityChanges = new CopyOnWriteArrayList<>();
    final CountDownLatch idle = new CountDownLatch(1);
    final CountDownLatch shutdown = new CountDownLatch(1);
    volatile Consumer<Connection> onInputClosedAction = c -> { };
    volatile Consumer<Connection> onShutdownAction = Connection::close;

    RecordingHandler(Connection connection, boolean echo) {
        this.connection = connection;
        this.echo = echo;
    }

    @Override
    public void onRead(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        synchronized (received) {
            received.writeBytes(bytes);
        }
        if (echo) {
            connection.write(ByteBuffer.wrap(bytes));
            connection.flush();
        }
    }

    byte[] receivedBytes() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    @Override
    public void onInputClosed() {
        inputClosed.countDown();
        onInputClosedAction.accept(connection);
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        writabilityChanges.add(writable);
    }

    @Override
    public void onIdleTimeout(Connection idleConnection) {
        idle.countDown();
        idleConnection.close();
    }

    @Override
    public void onShutdown(Connection shuttingDown) {
        shutdown.countDown();
        onShutdownAction.accept(shuttingDown);
    }

    @Override
    public void onClosed(Throwable cause) {
        closed.complete(cause);
    }
}
