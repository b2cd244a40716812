package dev.weft.spi.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ConnectionInitializer;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.testing.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport test kit: what every {@link Transport} must do, run against real sockets on
 * loopback. A transport module subclasses it and supplies {@link #transport()}; the tests run
 * unchanged on every transport.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class TransportTestKit {
    private final List<TransportServer> servers = new ArrayList<>();

    /** @return the transport under test */
    protected abstract Transport transport();

    @TempDir
    Path temp;

    @AfterEach
    void stopServers() {
        for (TransportServer server : servers) {
            server.close();
        }
    }

    /** Starts a server with the kit's config (2 loops, short idle timeout off by default). */
    protected TransportServer start(TransportConfig config, ConnectionInitializer initializer) throws IOException {
        TransportServer server = transport().start(config, initializer);
        servers.add(server);
        return server;
    }

    protected static TransportConfig loopbackConfig() {
        return TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(2);
    }

    private static Socket connect(TransportServer server) throws IOException {
        Socket socket = new Socket();
        socket.connect(server.localAddress(), 5_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    /** Echoes every byte; half-closes its output when the peer half-closes. */
    private static ConnectionInitializer echo() {
        return connection -> new ConnectionHandler() {
            @Override
            public void onRead(ByteBuffer data) {
                ByteBuffer copy = ByteBuffer.allocate(data.remaining());
                copy.put(data).flip();
                connection.write(copy);
                connection.flush();
            }

            @Override
            public void onInputClosed() {
                connection.shutdownOutput();
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        };
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        Poll.until(what, Duration.ofSeconds(60), condition::getAsBoolean);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void echoesManyConcurrentConnectionsByteExact() throws Exception {
        TransportServer server = start(loopbackConfig(), echo());
        int clients = 64;
        int size = 256 * 1024;
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                long seed = i;
                results.add(pool.submit(() -> {
                    byte[] sent = randomBytes(size, seed);
                    try (Socket socket = connect(server)) {
                        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                            try {
                                OutputStream out = socket.getOutputStream();
                                for (int offset = 0; offset < size; offset += 8192) {
                                    out.write(sent, offset, Math.min(8192, size - offset));
                                }
                                socket.shutdownOutput();
                            } catch (IOException e) {
                                throw new RuntimeException(e);
                            }
                        }, Executors.newVirtualThreadPerTaskExecutor());
                        byte[] received = socket.getInputStream().readAllBytes();
                        writer.join();
                        assertArrayEquals(sent, received);
                        return true;
                    }
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void largeWriteToSlowReaderStaysWithinTheWatermark() throws Exception {
        int total = 32 * 1024 * 1024;
        int chunk = 16 * 1024;
        TransportConfig config = loopbackConfig();
        AtomicLong maxPending = new AtomicLong();
        CountDownLatch becameUnwritable = new CountDownLatch(1);
        TransportServer server = start(config, connection -> new ConnectionHandler() {
            long produced;

            {
                connection.eventLoop().execute(this::produce);
            }

            /** Writes only while the connection is writable: the transport's back-pressure. */
            void produce() {
                while (connection.isOpen() && connection.isWritable() && produced < total) {
                    ByteBuffer buffer = ByteBuffer.allocate(chunk);
                    for (int i = 0; i < chunk; i++) {
                        buffer.put((byte) ((produced + i) * 31));
                    }
                    buffer.flip();
                    connection.write(buffer);
                    produced += chunk;
                    maxPending.accumulateAndGet(connection.pendingOutputBytes(), Math::max);
                    connection.flush();
                }
                if (produced >= total) {
                    connection.shutdownOutput();
                }
            }

            @Override
            public void onWritabilityChanged(boolean writable) {
                if (writable) {
                    produce();
                } else {
                    becameUnwritable.countDown();
                }
            }

            @Override
            public void onRead(ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onInputClosed() {
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        });
        try (Socket socket = connect(server)) {
            // Not reading at all at first fills the socket buffers, whatever their size.
            assertTrue(becameUnwritable.await(30, TimeUnit.SECONDS), "a reader that does not read must make the connection unwritable");
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            long received = 0;
            long reads = 0;
            int read;
            while ((read = in.read(buffer)) > 0) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] != (byte) ((received + i) * 31)) {
                        throw new AssertionError("byte " + (received + i) + " differs");
                    }
                }
                received += read;
                if (++reads % 64 == 0) {
                    Thread.sleep(1); // a slow reader, on purpose
                }
            }
            assertEquals(total, received);
        }
        assertTrue(maxPending.get() <= config.writeHighWatermark() + chunk,
                "pending output " + maxPending.get() + " exceeded the high watermark");
    }

    @Test
    void stopsReadingFromAPeerThatDoesNotReadItsAnswers() throws Exception {
        TransportConfig config = loopbackConfig();
        AtomicLong maxPending = new AtomicLong();
        CountDownLatch serverUnwritable = new CountDownLatch(1);
        TransportServer server = start(config, connection -> new ConnectionHandler() {
            @Override
            public void onRead(ByteBuffer data) {
                ByteBuffer copy = ByteBuffer.allocate(data.remaining());
                copy.put(data).flip();
                connection.write(copy);
                maxPending.accumulateAndGet(connection.pendingOutputBytes(), Math::max);
                connection.flush();
            }

            @Override
            public void onWritabilityChanged(boolean writable) {
                if (!writable) {
                    serverUnwritable.countDown(); // from here on the transport must not read
                }
            }

            @Override
            public void onInputClosed() {
                connection.shutdownOutput();
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        });
        int total = 16 * 1024 * 1024;
        byte[] sent = randomBytes(total, 7);
        try (Socket socket = connect(server)) {
            AtomicLong written = new AtomicLong();
            AtomicReference<Thread> writerThread = new AtomicReference<>();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                writerThread.set(Thread.currentThread());
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int offset = 0; offset < total; offset += 4096) {
                        out.write(sent, offset, 4096);
                        written.addAndGet(4096);
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            // The server's output passes its high watermark because we do not read; it then stops
            // reading, the socket buffers fill, and the writer blocks in write() short of the end.
            assertTrue(serverUnwritable.await(20, TimeUnit.SECONDS), "the server's output never passed its high watermark");
            Poll.until("the writer blocked in write()", Duration.ofSeconds(20), () -> {
                Thread thread = writerThread.get();
                return thread != null && thread.getState() == Thread.State.WAITING && written.get() < total;
            }, () -> "written " + written.get() + " of " + total + ", writer " + writerThread.get());
            assertFalse(writer.isDone(), "the writer finished although the server stopped reading");
            byte[] received = socket.getInputStream().readAllBytes();
            writer.join();
            assertArrayEquals(sent, received);
        }
        assertTrue(maxPending.get() <= config.writeHighWatermark() + config.readBufferSize(),
                "pending output " + maxPending.get() + " grew past the watermark plus one read");
    }

    @Test
    void halfClosesBothWays() throws Exception {
        AtomicReference<String> receivedAfterServerFin = new AtomicReference<>();
        CountDownLatch serverSawEof = new CountDownLatch(1);
        TransportServer server = start(loopbackConfig(), connection -> new ConnectionHandler() {
            final StringBuilder text = new StringBuilder();

            @Override
            public void onRead(ByteBuffer data) {
                text.append(StandardCharsets.US_ASCII.decode(data));
                if (text.toString().equals("hello")) {
                    connection.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
                    connection.shutdownOutput(); // server FIN while still reading
                    text.setLength(0);
                }
            }

            @Override
            public void onInputClosed() {
                receivedAfterServerFin.set(text.toString());
                serverSawEof.countDown();
                connection.close();
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        });
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = socket.getInputStream().readAllBytes(); // ends at the server's FIN
            assertEquals("bye", new String(answer, StandardCharsets.US_ASCII));
            socket.getOutputStream().write("more".getBytes(StandardCharsets.US_ASCII)); // our side still open
            socket.shutdownOutput();
            assertTrue(serverSawEof.await(10, TimeUnit.SECONDS));
            assertEquals("more", receivedAfterServerFin.get());
        }
    }

    @Test
    void peerResetMidWriteClosesCleanly() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        TransportServer server = start(loopbackConfig(), connection -> new ConnectionHandler() {
            {
                connection.eventLoop().execute(this::produce);
            }

            void produce() {
                while (connection.isOpen() && connection.isWritable()) {
                    connection.write(ByteBuffer.allocate(64 * 1024));
                    connection.flush();
                }
            }

            @Override
            public void onWritabilityChanged(boolean writable) {
                if (writable) {
                    produce();
                }
            }

            @Override
            public void onRead(ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onInputClosed() {
                connection.close();
            }

            @Override
            public void onClosed(Throwable cause) {
                closed.countDown();
            }
        });
        Socket socket = connect(server);
        socket.getInputStream().readNBytes(100_000);
        socket.setSoLinger(true, 0);
        socket.close(); // RST while the server is mid-write
        assertTrue(closed.await(10, TimeUnit.SECONDS), "the server never noticed the reset");
        awaitTrue("connection count back to 0", () -> server.connectionCount() == 0);
        // The server still serves.
        try (Socket another = connect(server)) {
            assertEquals(1000, another.getInputStream().readNBytes(1000).length);
        }
    }

    @Test
    void tenThousandConnectCloseCyclesLeakNoFileDescriptors() throws Exception {
        TransportServer server = start(loopbackConfig(), echo());
        // Warm up so lazily opened JDK descriptors (selectors, pipes) are counted in the baseline.
        for (int i = 0; i < 100; i++) {
            connectAndClose(server, i);
        }
        awaitTrue("warm-up connections closed", () -> server.connectionCount() == 0);
        long before = openFileDescriptors();
        for (int i = 0; i < 10_000; i++) {
            connectAndClose(server, i);
        }
        awaitTrue("all connections closed", () -> server.connectionCount() == 0);
        // Closing is asynchronous on the loops: wait (with a deadline) for descriptors to settle.
        awaitTrue("file descriptors back to " + before + " (+5)", () -> openFileDescriptorsUnchecked() - before <= 5);
    }

    private static void connectAndClose(TransportServer server, int i) throws IOException {
        try (Socket socket = connect(server)) {
            if (i % 2 == 0) {
                socket.getOutputStream().write(1);
                assertEquals(1, socket.getInputStream().read() >= 0 ? 1 : 0);
            }
        }
    }

    private static long openFileDescriptorsUnchecked() {
        try {
            return openFileDescriptors();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long openFileDescriptors() throws IOException {
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        }
    }

    @Test
    void sendsA16MiBFileRegionByteExact() throws Exception {
        Path file = temp.resolve("region.bin");
        byte[] content = randomBytes(16 * 1024 * 1024 + 123, 42);
        Files.write(file, content);
        long offset = 1000;
        long count = content.length - 2000;
        List<SendProgress> passes = new CopyOnWriteArrayList<>();
        TransportServer server = start(loopbackConfig(), connection -> new ConnectionHandler() {
            final FileChannel channel;

            {
                try {
                    channel = FileChannel.open(file, StandardOpenOption.READ);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                connection.eventLoop().execute(() -> {
                    connection.write(ByteBuffer.wrap("head".getBytes(StandardCharsets.US_ASCII)));
                    connection.writeFile(channel, offset, count, progress -> {
                        passes.add(progress);
                        if (progress instanceof SendProgress.Done) {
                            connection.write(ByteBuffer.wrap("tail".getBytes(StandardCharsets.US_ASCII)));
                            connection.shutdownOutput();
                        }
                    });
                    connection.flush();
                });
            }

            @Override
            public void onRead(ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onInputClosed() {
                connection.close();
            }

            @Override
            public void onClosed(Throwable cause) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // test cleanup
                }
            }
        });
        try (Socket socket = connect(server)) {
            byte[] received = socket.getInputStream().readAllBytes();
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            expected.update("head".getBytes(StandardCharsets.US_ASCII));
            expected.update(content, (int) offset, (int) count);
            expected.update("tail".getBytes(StandardCharsets.US_ASCII));
            assertEquals(4 + count + 4, received.length);
            assertArrayEquals(expected.digest(), MessageDigest.getInstance("SHA-256").digest(received));
        }
        assertTrue(passes.getLast() instanceof SendProgress.Done, "the last pass must be Done: " + passes.getLast());
        assertEquals(1, passes.stream().filter(p -> p instanceof SendProgress.Done).count());
        assertEquals(count, passes.stream().mapToLong(SendProgress::bytes).sum());
    }

    /**
     * HTTP/2's shape with two streams' files interleaved: regions of many sizes (small ones a
     * transport may gather into one write, large ones it may send zero-copy), each behind a heap
     * or direct header buffer, regions of one file sometimes contiguous and sometimes not. Every
     * byte arrives in queue order, and every region ends with exactly one Done.
     */
    @Test
    void sendsInterleavedRegionsOfTwoFilesAndBuffersInOrder() throws Exception {
        byte[][] contents = {randomBytes(3 << 20, 7), randomBytes(2 << 20, 8)};
        Path[] files = {temp.resolve("a.bin"), temp.resolve("b.bin")};
        Files.write(files[0], contents[0]);
        Files.write(files[1], contents[1]);
        java.util.Random random = new java.util.Random(9);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        record Piece(byte[] header, boolean direct, int file, long position, int count) {
        }
        List<Piece> pieces = new ArrayList<>();
        long[] next = {0, 0};
        for (int i = 0; i < 400; i++) {
            int file = random.nextInt(4) == 0 ? 1 : 0;
            int count = switch (random.nextInt(8)) {
                case 0 -> 1 + random.nextInt(100);
                case 1 -> 100 * 1024 + random.nextInt(50_000);
                default -> 16 * 1024;
            };
            if (random.nextInt(10) == 0) {
                next[file] += random.nextInt(5000); // a gap: not contiguous with the region before
            }
            if (next[file] + count > contents[file].length) {
                next[file] = 0;
            }
            byte[] header = ("h" + i + ";").getBytes(StandardCharsets.US_ASCII);
            pieces.add(new Piece(header, random.nextBoolean(), file, next[file], count));
            expected.write(header);
            expected.write(contents[file], (int) next[file], count);
            next[file] += count;
        }
        java.util.concurrent.atomic.AtomicInteger dones = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong progressBytes = new java.util.concurrent.atomic.AtomicLong();
        TransportServer server = start(loopbackConfig(), connection -> new ConnectionHandler() {
            final FileChannel[] channels = new FileChannel[2];

            {
                try {
                    channels[0] = FileChannel.open(files[0], StandardOpenOption.READ);
                    channels[1] = FileChannel.open(files[1], StandardOpenOption.READ);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                connection.eventLoop().execute(() -> {
                    for (Piece piece : pieces) {
                        ByteBuffer header = piece.direct()
                                ? ByteBuffer.allocateDirect(piece.header().length).put(piece.header()).flip()
                                : ByteBuffer.wrap(piece.header());
                        connection.write(header);
                        connection.writeFile(channels[piece.file()], piece.position(), piece.count(), progress -> {
                            progressBytes.addAndGet(progress.bytes());
                            if (progress instanceof SendProgress.Done && dones.incrementAndGet() == pieces.size()) {
                                connection.shutdownOutput();
                            }
                        });
                    }
                    connection.flush();
                });
            }

            @Override
            public void onRead(ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onInputClosed() {
                connection.close();
            }

            @Override
            public void onClosed(Throwable cause) {
                for (FileChannel channel : channels) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // test cleanup
                    }
                }
            }
        });
        try (Socket socket = connect(server)) {
            byte[] received = socket.getInputStream().readAllBytes();
            byte[] want = expected.toByteArray();
            assertEquals(want.length, received.length);
            assertArrayEquals(want, received);
        }
        assertEquals(pieces.size(), dones.get(), "one Done per region");
        assertEquals(pieces.stream().mapToLong(Piece::count).sum(), progressBytes.get(), "progress adds up to the regions");
    }

    @Test
    void idleConnectionsAreReportedToTheirHandler() throws Exception {
        CountDownLatch idle = new CountDownLatch(1);
        TransportServer server = start(loopbackConfig().withIdleTimeout(Duration.ofMillis(200)), connection -> new ConnectionHandler() {
            @Override
            public void onRead(ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onInputClosed() {
            }

            @Override
            public void onIdleTimeout(Connection c) {
                idle.countDown();
                c.close();
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        });
        try (Socket socket = connect(server)) {
            assertTrue(idle.await(10, TimeUnit.SECONDS));
            assertEquals(-1, socket.getInputStream().read());
        }
    }

    @Test
    void refusesConnectionsOverTheCap() throws Exception {
        TransportServer server = start(loopbackConfig().withMaxConnections(2), echo());
        try (Socket first = connect(server); Socket second = connect(server)) {
            first.getOutputStream().write(1);
            assertEquals(1, first.getInputStream().read() >= 0 ? 1 : 0);
            second.getOutputStream().write(1);
            assertEquals(1, second.getInputStream().read() >= 0 ? 1 : 0);
            // The refusal may reach us during connect or on first use, depending on timing.
            assertThrows(IOException.class, () -> {
                try (Socket third = connect(server)) {
                    third.getOutputStream().write(1);
                    if (third.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                }
            });
        }
    }

    @Test
    void gracefulStopLetsInFlightWorkFinish() throws Exception {
        CountDownLatch requestSeen = new CountDownLatch(1);
        TransportServer server = start(loopbackConfig(), connection -> new ConnectionHandler() {
            boolean inFlight;
            boolean stopping;

            @Override
            public void onRead(ByteBuffer data) {
                data.position(data.limit());
                inFlight = true;
                requestSeen.countDown();
                // Work that finishes later, on the loop (as a handler's answer would).
                connection.eventLoop().schedule(() -> {
                    connection.write(ByteBuffer.wrap("done".getBytes(StandardCharsets.US_ASCII)));
                    connection.flush();
                    inFlight = false;
                    if (stopping) {
                        connection.shutdownOutput();
                        connection.close();
                    }
                }, Duration.ofMillis(300));
            }

            @Override
            public void onShutdown(Connection c) {
                stopping = true;
                if (!inFlight) {
                    c.close();
                }
            }

            @Override
            public void onInputClosed() {
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        });
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write('x');
            assertTrue(requestSeen.await(10, TimeUnit.SECONDS));
            CompletableFuture<Void> stopped = server.shutdown(Duration.ofSeconds(10));
            assertEquals("done", new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            stopped.get(10, TimeUnit.SECONDS);
        }
        assertThrows(IOException.class, () -> {
            try (Socket late = connect(server)) {
                late.getOutputStream().write(1);
                if (late.getInputStream().read() < 0) {
                    throw new IOException("closed");
                }
            }
        });
    }

    @Test
    void outputMethodsRefuseOtherThreads() throws Exception {
        AtomicReference<Connection> accepted = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        TransportServer server = start(loopbackConfig(), connection -> {
            accepted.set(connection);
            ready.countDown();
            return echo().initialize(connection);
        });
        try (Socket ignored = connect(server)) {
            assertTrue(ready.await(10, TimeUnit.SECONDS));
            assertThrows(IllegalStateException.class, () -> accepted.get().write(ByteBuffer.allocate(1)));
            assertThrows(IllegalStateException.class, () -> accepted.get().flush());
        }
    }
}
