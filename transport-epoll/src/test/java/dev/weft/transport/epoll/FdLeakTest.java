package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts this JVM's open file descriptors (/proc/self/fd) around 10,000 connections and around
 * every error path: each must give back its socket fd and, for file regions, our dup of the file.
 */
@Timeout(300)
class FdLeakTest {
    @TempDir
    Path dir;
    private TransportServer server;
    private final ConcurrentLinkedQueue<Throwable> closeCauses = new ConcurrentLinkedQueue<>();
    private final AtomicInteger closedCount = new AtomicInteger();
    private Path bigFile;

    /** Echoes; the request "file" answers with the 32 MiB file; closes at end of input. */
    private final class ServingHandler implements ConnectionHandler {
        private final Connection connection;

        ServingHandler(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void onRead(ByteBuffer data) {
            if (data.remaining() == 4 && data.get(data.position()) == 'f') {
                try {
                    FileChannel channel = FileChannel.open(bigFile);
                    connection.writeFile(channel, 0, channel.size(), progress -> {
                        if (progress instanceof SendProgress.Done) {
                            closeQuietly(channel);
                        }
                    });
                    // The owner closes its channel once the connection is gone, Done or not.
                    openChannels.add(channel);
                } catch (IOException e) {
                    connection.abort();
                }
            } else {
                ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
                connection.write(copy);
            }
            connection.flush();
        }

        private final List<FileChannel> openChannels = new ArrayList<>();

        @Override
        public void onInputClosed() {
            connection.close();
        }

        @Override
        public void onClosed(Throwable cause) {
            openChannels.forEach(FdLeakTest::closeQuietly);
            if (cause != null) {
                closeCauses.add(cause);
            }
            closedCount.incrementAndGet();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void start() throws IOException {
        bigFile = dir.resolve("big.bin");
        try (FileChannel out = FileChannel.open(bigFile, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(1 << 20);
            for (int i = 0; i < 32; i++) {
                out.write(block.clear());
            }
        }
        server = new EpollTransport(EpollTuning.DEFAULT).start(
                TransportConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withEventLoops(2),
                ServingHandler::new);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static int openFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    private static List<String> fdTargets() throws IOException {
        List<String> targets = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    targets.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (IOException gone) {
                    // The listing's own fd, closed by now.
                }
            }
        }
        return targets;
    }

    private void echoOnce() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(new byte[] {'e', 'c', 'h', 'o', '!'});
            byte[] answer = socket.getInputStream().readNBytes(5);
            assertEquals("echo!", new String(answer, java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Polls until every connection is gone and the fd count is back to {@code baseline}. */
    private void assertBackTo(int baseline, int expectedClosed) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && (server.connectionCount() != 0 || closedCount.get() < expectedClosed || openFds() > baseline)) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
        }
        assertEquals(0, server.connectionCount(), "connections still open");
        assertEquals(expectedClosed, closedCount.get(), "every connection's handler heard onClosed");
        // At most the baseline: a transient fd of the JVM's (a jar, a listing) may have gone since.
        assertTrue(openFds() <= baseline, () -> {
            try {
                return "fds leaked; baseline " + baseline + ", open now: " + fdTargets();
            } catch (IOException e) {
                return e.toString();
            }
        });
    }

    @Test
    void tenThousandConnectionsLeaveNoFdBehind() throws Exception {
        echoOnce();
        assertBackTo(openFds(), 1);
        int baseline = openFds();
        int clients = 4;
        int perClient = 2_500;
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            // Platform threads: blocking sockets on virtual threads make the JDK open its own epoll
            // pollers, which would count as ours.
            runs.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perClient; i++) {
                    try {
                        echoOnce();
                    } catch (IOException e) {
                        throw new AssertionError("connection " + i + " failed", e);
                    }
                }
            }, r -> Thread.ofPlatform().start(r)));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(240, TimeUnit.SECONDS);
        assertBackTo(baseline, 1 + clients * perClient);
        assertTrue(closeCauses.isEmpty(), "orderly closes only: " + closeCauses.peek());
    }

    @Test
    void errorPathsLeaveNoFdBehind() throws Exception {
        echoOnce();
        assertBackTo(openFds(), 1);
        int baseline = openFds();
        int expectedClosed = 1;

        // Peer resets mid-sendfile: the client asks for 32 MiB, reads a little, then RSTs.
        for (int i = 0; i < 20; i++) {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(server.localAddress(), 10_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(new byte[] {'f', 'i', 'l', 'e'});
            assertEquals(65536, socket.getInputStream().readNBytes(65536).length);
            socket.setSoLinger(true, 0);
            socket.close();
            expectedClosed++;
        }
        // Clients vanish mid-request: half a message, then FIN or RST.
        for (int i = 0; i < 20; i++) {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort());
            socket.getOutputStream().write(new byte[] {'e', 'c'});
            if (i % 2 == 0) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
            expectedClosed++;
        }
        // Connect and vanish before a single byte.
        for (int i = 0; i < 20; i++) {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort());
            socket.setSoLinger(true, 0);
            socket.close();
        }
        // Those last ones may be reset before the server registers them; they need not reach a handler.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && (server.connectionCount() != 0 || closedCount.get() < expectedClosed)) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
        }
        assertTrue(closedCount.get() >= expectedClosed, "handlers closed: " + closedCount.get() + " of at least " + expectedClosed);
        assertBackTo(baseline, closedCount.get());
        assertTrue(closeCauses.stream().anyMatch(c -> c instanceof NativeCallException n && n.call().equals("sendfile")),
                "a reset mid-file surfaces as a sendfile error: " + closeCauses);
    }
}
