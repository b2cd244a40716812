package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.spi.WeftPlugin;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The transport over real loopback sockets, in every tuning docs/EPOLL.md compares. */
@Timeout(60)
class EpollTransportTest {
    private final LinkedBlockingQueue<RecordingHandler> handlers = new LinkedBlockingQueue<>();
    private TransportServer server;

    enum Tuning {
        LEVEL_REUSEPORT(new EpollTuning(EpollTuning.Trigger.LEVEL, EpollTuning.Accept.REUSEPORT)),
        EDGE_REUSEPORT(new EpollTuning(EpollTuning.Trigger.EDGE, EpollTuning.Accept.REUSEPORT)),
        LEVEL_HANDOFF(new EpollTuning(EpollTuning.Trigger.LEVEL, EpollTuning.Accept.HANDOFF)),
        EDGE_HANDOFF(new EpollTuning(EpollTuning.Trigger.EDGE, EpollTuning.Accept.HANDOFF));

        final EpollTuning tuning;

        Tuning(EpollTuning tuning) {
            this.tuning = tuning;
        }
    }

    private static TransportConfig config() {
        return TransportConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withEventLoops(2);
    }

    private TransportServer start(EpollTuning tuning, TransportConfig config, boolean echo) throws IOException {
        ConnectionInitializer initializer = connection -> {
            RecordingHandler handler = new RecordingHandler(connection, echo);
            handlers.add(handler);
            return handler;
        };
        server = new EpollTransport(tuning).start(config, initializer);
        return server;
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private RecordingHandler nextHandler() throws InterruptedException {
        RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
        assertTrue(handler != null, "no connection reached the initializer");
        return handler;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Tuning.class)
    void echoesOneMegabyteAcrossManyReads(Tuning tuning) throws Exception {
        start(tuning.tuning, config(), true);
        byte[] payload = new byte[1 << 20];
        new Random(1).nextBytes(payload);
        try (Socket socket = connect()) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    socket.getOutputStream().write(payload);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echoed = socket.getInputStream().readNBytes(payload.length);
            writer.join();
            assertArrayEquals(payload, echoed);
        }
        RecordingHandler handler = nextHandler();
        assertTrue(handler.inputClosed.await(20, TimeUnit.SECONDS), "the client's close reads as end of input");
        assertTrue(handler.connection.isOpen(), "end of input alone does not close: the peer may still read");
        handler.connection.close();
        assertNull(handler.closed.get(20, TimeUnit.SECONDS), "an orderly close has no cause");
        assertArrayEquals(payload, handler.receivedBytes());
    }

    @ParameterizedTest
    @EnumSource(Tuning.class)
    void manyConnectionsAreSpreadAndAllServed(Tuning tuning) throws Exception {
        start(tuning.tuning, config(), true);
        for (int i = 0; i < 50; i++) {
            try (Socket socket = connect()) {
                byte[] message = ("hello " + i).getBytes(StandardCharsets.US_ASCII);
                socket.getOutputStream().write(message);
                assertArrayEquals(message, socket.getInputStream().readNBytes(message.length));
            }
        }
        assertEquals(50, handlers.size());
        long loopsUsed = handlers.stream().map(h -> h.connection.eventLoop()).distinct().count();
        if (tuning.tuning.accept() == EpollTuning.Accept.HANDOFF) {
            assertEquals(2, loopsUsed, "handoff deals connections to every loop in turn");
        }
    }

    @ParameterizedTest
    @EnumSource(Tuning.class)
    void halfCloseLetsTheServerAnswerAfterThePeerFinished(Tuning tuning) throws Exception {
        start(tuning.tuning, config(), false);
        try (Socket socket = connect()) {
            socket.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
            RecordingHandler handler = nextHandler();
            handler.onInputClosedAction = connection -> {
                connection.write(ByteBuffer.wrap("answer".getBytes(StandardCharsets.US_ASCII)));
                connection.shutdownOutput();
                connection.flush();
            };
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            assertEquals("answer", new String(in.readNBytes(6), StandardCharsets.US_ASCII));
            assertEquals(-1, in.read(), "FIN after the answer");
            assertTrue(handler.inputClosed.await(20, TimeUnit.SECONDS));
            assertEquals("question", new String(handler.receivedBytes(), StandardCharsets.US_ASCII));
            assertNull(handler.closed.get(20, TimeUnit.SECONDS), "both directions done: closed in order");
        }
    }

    /**
     * Bytes and FIN that arrive while reading is paused are both delivered on resume. (Edge
     * triggering reports them once; a short read must not be taken for "drained" after the FIN.)
     */
    @ParameterizedTest
    @EnumSource(Tuning.class)
    void bytesAndEndOfStreamArrivingWhilePausedAreDeliveredOnResume(Tuning tuning) throws Exception {
        start(tuning.tuning, config(), false);
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            CompletableFuture<Void> paused = new CompletableFuture<>();
            handler.connection.eventLoop().execute(() -> {
                handler.connection.setReadPaused(true);
                paused.complete(null);
            });
            paused.get(20, TimeUnit.SECONDS);
            socket.getOutputStream().write("while paused".getBytes(StandardCharsets.US_ASCII));
            // On loopback the bytes and the FIN sit in the server's receive queue when these return.
            socket.shutdownOutput();
            assertEquals(1, handler.inputClosed.getCount(), "nothing is delivered while paused");
            handler.connection.eventLoop().execute(() -> handler.connection.setReadPaused(false));
            assertTrue(handler.inputClosed.await(20, TimeUnit.SECONDS), "end of stream delivered after resume");
            assertEquals("while paused", new String(handler.receivedBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void listensAndEchoesOverIpv6Loopback() throws Exception {
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        TransportConfig v6 = new TransportConfig(new InetSocketAddress(ipv6Loopback, 0), 2, TransportConfig.DEFAULT_IDLE_TIMEOUT,
                TransportConfig.DEFAULT_HIGH_WATERMARK, TransportConfig.DEFAULT_LOW_WATERMARK, 100, TransportConfig.DEFAULT_READ_BUFFER);
        server = new EpollTransport(EpollTuning.DEFAULT).start(v6, connection -> {
            RecordingHandler handler = new RecordingHandler(connection, true);
            handlers.add(handler);
            return handler;
        });
        assertEquals(ipv6Loopback, server.localAddress().getAddress());
        try (Socket socket = new Socket(ipv6Loopback, server.localAddress().getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("six".getBytes(StandardCharsets.US_ASCII));
            assertEquals("six", new String(socket.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
            RecordingHandler handler = nextHandler();
            assertEquals(socket.getLocalPort(), handler.connection.remoteAddress().getPort());
            assertEquals(ipv6Loopback, handler.connection.remoteAddress().getAddress());
        }
    }

    @Test
    void eventLoopRunsTasksAndTimersOnItsThreadAndCancelledTimersNever() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        dev.weft.spi.EventLoop loop;
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            loop = handler.connection.eventLoop();
            assertFalse(loop.inEventLoop());
            CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
            loop.execute(() -> onLoop.complete(loop.inEventLoop()));
            assertTrue(onLoop.get(20, TimeUnit.SECONDS));

            java.util.concurrent.atomic.AtomicBoolean cancelledRan = new java.util.concurrent.atomic.AtomicBoolean();
            dev.weft.spi.Cancellable cancelled = loop.schedule(() -> cancelledRan.set(true), Duration.ofMillis(50));
            cancelled.cancel();
            long scheduledAt = System.nanoTime();
            CompletableFuture<Long> later = new CompletableFuture<>();
            loop.schedule(() -> later.complete(System.nanoTime() - scheduledAt), Duration.ofMillis(200));
            long waitedNanos = later.get(20, TimeUnit.SECONDS);
            assertTrue(waitedNanos >= TimeUnit.MILLISECONDS.toNanos(190), "ran after " + waitedNanos + " ns");
            assertFalse(cancelledRan.get(), "a cancelled timer whose deadline passed first never runs");
        }
        server.close();
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> loop.execute(() -> { }),
                "a loop that has ended refuses work instead of dropping it silently");
    }

    @Test
    void closeFromAnotherThreadClosesOnTheLoop() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            handler.connection.close();
            assertNull(handler.closed.get(20, TimeUnit.SECONDS));
            assertEquals(-1, socket.getInputStream().read());
            handler.connection.close();
            handler.connection.abort();
            assertEquals(0, waitForConnectionCount(0), "closing twice is harmless");
        }
    }

    @Test
    void outputMethodsRefuseOtherThreads() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> handler.connection.write(ByteBuffer.allocate(1)));
            assertTrue(refused.getMessage().contains("eventLoop().execute"), refused.getMessage());
            assertThrows(IllegalStateException.class, () -> handler.connection.flush());
            assertThrows(IllegalStateException.class, () -> handler.connection.setReadPaused(true));
            assertThrows(IllegalStateException.class, () -> handler.connection.shutdownOutput());
            assertTrue(handler.connection.isOpen());
            assertEquals(socket.getLocalPort(), handler.connection.remoteAddress().getPort());
            assertEquals(server.localAddress().getPort(), handler.connection.localAddress().getPort());
        }
    }

    @ParameterizedTest
    @EnumSource(Tuning.class)
    void peerThatDoesNotReadMakesTheConnectionUnwritableThenWritableAgain(Tuning tuning) throws Exception {
        start(tuning.tuning, config().withWatermarks(32 * 1024, 64 * 1024), false);
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            int total = 16 << 20;
            CompletableFuture<Boolean> queued = new CompletableFuture<>();
            handler.connection.eventLoop().execute(() -> {
                // 16 MiB in 64 KiB buffers: far more than socket buffers hold, so output queues up.
                for (int i = 0; i < total / 65536; i++) {
                    handler.connection.write(ByteBuffer.allocate(65536));
                    handler.connection.flush();
                }
                queued.complete(handler.connection.isWritable());
            });
            assertFalse(queued.get(20, TimeUnit.SECONDS), "16 MiB unread must exceed the high watermark");
            assertEquals(Boolean.FALSE, handler.writabilityChanges.get(0));
            long read = 0;
            InputStream in = socket.getInputStream();
            byte[] chunk = new byte[65536];
            while (read < total) {
                int n = in.read(chunk);
                assertTrue(n > 0);
                read += n;
            }
            assertEquals(total, read);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (handler.writabilityChanges.size() < 2 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
            }
            assertEquals(java.util.List.of(false, true), handler.writabilityChanges);
        }
    }

    @Test
    void idleConnectionIsReportedAndClosedByDefault() throws Exception {
        start(EpollTuning.DEFAULT, config().withIdleTimeout(Duration.ofMillis(200)), false);
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            assertTrue(handler.idle.await(20, TimeUnit.SECONDS));
            assertEquals(-1, socket.getInputStream().read(), "closed after the idle report");
            assertNull(handler.closed.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void abortResetsThePeer() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        try (Socket socket = connect()) {
            RecordingHandler handler = nextHandler();
            handler.connection.abort();
            assertNull(handler.closed.get(20, TimeUnit.SECONDS));
            assertFalse(handler.connection.isOpen());
            SocketException reset = assertThrows(SocketException.class, () -> socket.getInputStream().read());
            assertTrue(reset.getMessage().toLowerCase().contains("reset"), reset.getMessage());
        }
    }

    @Test
    void peerResetReachesTheHandlerAsCause() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        Socket socket = connect();
        RecordingHandler handler = nextHandler();
        socket.setSoLinger(true, 0);
        socket.close();
        Throwable cause = handler.closed.get(20, TimeUnit.SECONDS);
        assertTrue(cause instanceof NativeCallException, String.valueOf(cause));
        assertEquals("ECONNRESET", ((NativeCallException) cause).errnoName());
        assertEquals(0, waitForConnectionCount(0));
    }

    @Test
    void connectionsOverTheMaximumAreClosedOnAccept() throws Exception {
        start(EpollTuning.DEFAULT, config().withMaxConnections(2), false);
        try (Socket first = connect(); Socket second = connect()) {
            nextHandler();
            nextHandler();
            try (Socket third = connect()) {
                assertEquals(-1, third.getInputStream().read(), "the third connection is closed at once");
            }
            assertEquals(2, server.connectionCount());
            assertTrue(handlers.isEmpty(), "the refused connection never reached the initializer");
        }
    }

    @Test
    void gracefulShutdownAsksHandlersThenForceClosesAtTheDeadline() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        Socket polite = connect();
        Socket stubborn = connect();
        RecordingHandler first = nextHandler();
        RecordingHandler second = nextHandler();
        RecordingHandler politeHandler = first.connection.remoteAddress().getPort() == polite.getLocalPort() ? first : second;
        RecordingHandler stubbornHandler = politeHandler == first ? second : first;
        politeHandler.onShutdownAction = connection -> {
            connection.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
            connection.close();
        };
        stubbornHandler.onShutdownAction = connection -> { };
        long started = System.nanoTime();
        CompletableFuture<Void> done = server.shutdown(Duration.ofMillis(500));
        assertEquals("bye", new String(polite.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
        done.get(20, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(450), "the stubborn one kept it open until the deadline");
        assertTrue(stubbornHandler.shutdown.await(1, TimeUnit.SECONDS));
        assertEquals(-1, stubborn.getInputStream().read());
        assertEquals(0, server.connectionCount());
        assertThrows(IOException.class, () -> connect().close(), "no longer listening");
        polite.close();
        stubborn.close();
    }

    @Test
    void portInUseIsABindExceptionNamingTheErrno() throws Exception {
        start(EpollTuning.DEFAULT, config(), false);
        TransportConfig same = config().withEventLoops(1);
        TransportConfig taken = new TransportConfig(server.localAddress(), 1, same.idleTimeout(), same.writeHighWatermark(),
                same.writeLowWatermark(), same.maxConnections(), same.readBufferSize());
        BindException refused = assertThrows(BindException.class,
                () -> new EpollTransport(new EpollTuning(EpollTuning.Trigger.LEVEL, EpollTuning.Accept.HANDOFF)).start(taken, c -> null));
        assertTrue(refused.getMessage().contains("EADDRINUSE"), refused.getMessage());
    }

    @Test
    void pluginIsFoundByServiceLoaderAndBindsEpoll() {
        WeftPlugin plugin = ServiceLoader.load(WeftPlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(EpollPlugin.class::isInstance)
                .findFirst()
                .orElseThrow();
        Map<String, Transport> transports = Guice.createInjector(plugin).getInstance(Key.get(new TypeLiteral<Map<String, Transport>>() { }));
        Transport epoll = transports.get("epoll");
        assertEquals("epoll", epoll.name());
        assertTrue(epoll.availability().available(), epoll.availability().reason());
    }

    private int waitForConnectionCount(int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.connectionCount() != expected && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
        }
        return server.connectionCount();
    }
}
