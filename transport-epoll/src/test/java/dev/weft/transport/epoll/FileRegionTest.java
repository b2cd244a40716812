package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.weft.api.SendProgress;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.testing.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** File regions go out through sendfile(2), pass by pass, byte-exact, without touching the heap. */
@Timeout(180)
class FileRegionTest {
    @TempDir
    Path dir;
    private final LinkedBlockingQueue<RecordingHandler> handlers = new LinkedBlockingQueue<>();
    private TransportServer server;

    private void start() throws IOException {
        start(TransportConfig.DEFAULT_IDLE_TIMEOUT);
    }

    private void start(java.time.Duration idleTimeout) throws IOException {
        server = new EpollTransport(EpollTuning.DEFAULT).start(
                TransportConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withEventLoops(1)
                        .withIdleTimeout(idleTimeout),
                connection -> {
                    RecordingHandler handler = new RecordingHandler(connection, false);
                    handlers.add(handler);
                    return handler;
                });
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A socket with a small receive buffer, so a non-reading client fills up quickly. */
    private Socket connectSmallWindow() throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(server.localAddress(), 10_000);
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** Writes {@code size} bytes: one random MiB repeated, each copy stamped with its index so misplaced blocks show. */
    private Path writeFile(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        byte[] block = new byte[1 << 20];
        new Random(size).nextBytes(block);
        ByteBuffer buffer = ByteBuffer.wrap(block);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long written = 0, index = 0; written < size; index++) {
                buffer.clear();
                buffer.putLong(0, index);
                buffer.limit((int) Math.min(block.length, size - written));
                while (buffer.hasRemaining()) {
                    written += out.write(buffer);
                }
            }
        }
        return file;
    }

    private static byte[] sha256(Path file, long offset, long count) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (FileChannel in = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long position = offset;
            while (position < offset + count) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), offset + count - position));
                int n = in.read(buffer, position);
                position += n;
                digest.update(buffer.flip());
            }
        }
        return digest.digest();
    }

    private static byte[] readAndHash(InputStream in, long count) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 16];
        long left = count;
        while (left > 0) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
            assertTrue(n > 0, "stream ended with " + left + " bytes still due");
            digest.update(chunk, 0, n);
            left -= n;
        }
        return digest.digest();
    }

    /** Queues the region on the loop and returns a future of the progress list, complete on Done. */
    private CompletableFuture<List<SendProgress>> sendRegion(RecordingHandler handler, FileChannel channel, long offset, long count) {
        CopyOnWriteArrayList<SendProgress> passes = new CopyOnWriteArrayList<>();
        CompletableFuture<List<SendProgress>> done = new CompletableFuture<>();
        handler.connection.eventLoop().execute(() -> {
            handler.connection.writeFile(channel, offset, count, progress -> {
                passes.add(progress);
                if (progress instanceof SendProgress.Done) {
                    done.complete(List.copyOf(passes));
                }
            });
            handler.connection.flush();
        });
        handler.closed.thenAccept(cause -> done.completeExceptionally(new AssertionError("closed before Done", cause)));
        return done;
    }

    @Test
    void sendLoopReportsSentWouldBlockAndDoneSummingToTheRegion() throws Exception {
        long count = 48L << 20;
        long offset = 12345;
        Path file = writeFile("region.bin", offset + count + 999);
        start();
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            CompletableFuture<Void> firstBlock = new CompletableFuture<>();
            CopyOnWriteArrayList<SendProgress> passes = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            handler.connection.eventLoop().execute(() -> {
                handler.connection.writeFile(channel, offset, count, progress -> {
                    passes.add(progress);
                    if (progress instanceof SendProgress.WouldBlock) {
                        firstBlock.complete(null);
                    } else if (progress instanceof SendProgress.Done) {
                        done.complete(null);
                    }
                });
                handler.connection.flush();
            });
            // The client reads nothing until the socket has filled: the loop must report WouldBlock.
            firstBlock.get(30, TimeUnit.SECONDS);
            byte[] received = readAndHash(socket.getInputStream(), count);
            done.get(60, TimeUnit.SECONDS);
            assertArrayEquals(sha256(file, offset, count), received);

            assertInstanceOf(SendProgress.Done.class, passes.getLast());
            assertEquals(1, passes.stream().filter(p -> p instanceof SendProgress.Done).count());
            assertEquals(count, passes.stream().mapToLong(SendProgress::bytes).sum(), "the passes add up to the region");
            assertTrue(passes.stream().allMatch(p -> p.bytes() <= EpollOutput.FILE_PASS_BYTES), "no pass exceeds the pass size");
            assertTrue(passes.stream().anyMatch(p -> p instanceof SendProgress.Sent), "some passes filled completely");
        }
    }

    /**
     * A slow reader keeps a region going for several idle timeouts; every pass that moves bytes
     * counts as progress, so the connection is never reported idle.
     */
    @Test
    void sendPassesRefreshTheIdleTimeout() throws Exception {
        long count = 24L << 20;
        Path file = writeFile("slow.bin", count);
        start(java.time.Duration.ofSeconds(1));
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            CompletableFuture<List<SendProgress>> done = sendRegion(handler, channel, 0, count);
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = socket.getInputStream();
            byte[] chunk = new byte[1 << 20];
            long started = System.nanoTime();
            for (long left = count; left > 0; ) {
                int n = in.readNBytes(chunk, 0, (int) Math.min(chunk.length, left));
                assertTrue(n > 0, "closed with " + left + " bytes due; idle reported: " + (handler.idle.getCount() == 0)
                        + ", close cause: " + handler.closed.getNow(null));
                digest.update(chunk, 0, n);
                left -= n;
                Thread.sleep(150); // a slow reader on purpose: 24 reads x 150 ms span over three idle timeouts
            }
            done.get(60, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(3_000), "the transfer outlasted the idle timeout three times");
            assertArrayEquals(sha256(file, 0, count), digest.digest());
            assertEquals(1, handler.idle.getCount(), "never reported idle while passes made progress");
            assertTrue(handler.connection.isOpen());
        }
    }

    /**
     * Handlers flush from inside the send loop's callbacks (writability regained mid-region, a
     * progress report): the output must stay in order and the region end exactly once.
     */
    @Test
    void flushingFromCallbacksInsideTheSendLoopKeepsOrderAndOneDone() throws Exception {
        long count = 8L << 20;
        Path file = writeFile("reentrant.bin", count);
        byte[] tail = "tail after writable".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] last = "last, written on Done".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CopyOnWriteArrayList<SendProgress> passes = new CopyOnWriteArrayList<>();
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        try (FileChannel channel = FileChannel.open(file)) {
            server = new EpollTransport(EpollTuning.DEFAULT).start(
                    TransportConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withEventLoops(1),
                    connection -> new dev.weft.spi.ConnectionHandler() {
                        {
                            connection.eventLoop().execute(() -> {
                                // 8 MiB queued: far over the high watermark until the region is nearly out.
                                connection.writeFile(channel, 0, count, progress -> {
                                    passes.add(progress);
                                    if (progress instanceof SendProgress.Done) {
                                        connection.write(ByteBuffer.wrap(last));
                                    }
                                    connection.flush();
                                });
                                connection.flush();
                            });
                        }

                        @Override
                        public void onWritabilityChanged(boolean writable) {
                            if (writable) {
                                connection.write(ByteBuffer.wrap(tail));
                                connection.flush();
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
                            closed.complete(cause);
                        }
                    });
            try (Socket socket = connectSmallWindow()) {
                InputStream in = socket.getInputStream();
                byte[] fileHash = readAndHash(in, count);
                assertArrayEquals(sha256(file, 0, count), fileHash);
                assertEquals(new String(tail, java.nio.charset.StandardCharsets.US_ASCII),
                        new String(in.readNBytes(tail.length), java.nio.charset.StandardCharsets.US_ASCII));
                assertEquals(new String(last, java.nio.charset.StandardCharsets.US_ASCII),
                        new String(in.readNBytes(last.length), java.nio.charset.StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                assertEquals(-1, in.read(), "nothing after the last buffer");
            }
            assertNull(closed.get(20, TimeUnit.SECONDS));
            assertEquals(1, passes.stream().filter(p -> p instanceof SendProgress.Done).count(), "Done exactly once: " + passes);
            assertEquals(count, passes.stream().mapToLong(SendProgress::bytes).sum());
        }
    }

    /**
     * The HTTP/2 shape: a small header buffer before each 16 KiB file region (the header is sent
     * with MSG_MORE to share packets with the payload). Everything arrives, in order, exact.
     */
    @Test
    void headersInterleavedWithRegionsArriveInOrder() throws Exception {
        int frames = 512;
        int payload = 16 * 1024;
        Path file = writeFile("frames.bin", (long) frames * payload);
        start();
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            CompletableFuture<Void> lastDone = new CompletableFuture<>();
            handler.connection.eventLoop().execute(() -> {
                for (int i = 0; i < frames; i++) {
                    boolean last = i == frames - 1;
                    handler.connection.write(ByteBuffer.allocate(9).putInt(0, i).putInt(4, payload));
                    handler.connection.writeFile(channel, (long) i * payload, payload, progress -> {
                        if (last && progress instanceof SendProgress.Done) {
                            lastDone.complete(null);
                        }
                    });
                }
                handler.connection.flush();
            });
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            MessageDigest actual = MessageDigest.getInstance("SHA-256");
            InputStream in = socket.getInputStream();
            try (FileChannel reader = FileChannel.open(file)) {
                for (int i = 0; i < frames; i++) {
                    ByteBuffer header = ByteBuffer.wrap(in.readNBytes(9));
                    assertEquals(i, header.getInt(0), "frame header " + i + " in its place");
                    assertEquals(payload, header.getInt(4));
                    actual.update(in.readNBytes(payload));
                    ByteBuffer slice = ByteBuffer.allocate(payload);
                    reader.read(slice, (long) i * payload);
                    expected.update(slice.flip());
                }
            }
            assertArrayEquals(expected.digest(), actual.digest());
            lastDone.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void zeroLengthRegionCompletesWithDoneZero() throws Exception {
        Path file = writeFile("empty-region.bin", 10);
        start();
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            assertEquals(List.of(new SendProgress.Done(0)), sendRegion(handler, channel, 3, 0).get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void regionPastTheEndOfTheFileClosesWithAClearCause() throws Exception {
        Path file = writeFile("short.bin", 1000);
        start();
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            sendRegion(handler, channel, 0, 5000);
            Throwable cause = handler.closed.get(20, TimeUnit.SECONDS);
            assertTrue(cause instanceof IOException && cause.getMessage().contains("shorter than the region"), String.valueOf(cause));
            assertEquals(1000, socket.getInputStream().readAllBytes().length, "what the file had was sent before the error");
        }
    }

    /** A channel whose fd is out of reach goes out from a memory map instead: same bytes, same passes. */
    @Test
    void channelWithoutReachableFdIsSentFromAMemoryMap() throws Exception {
        long count = 24L << 20;
        Path file = writeFile("mapped.bin", count + 100);
        start();
        try (Socket socket = connectSmallWindow(); FileChannel channel = new ForwardingFileChannel(FileChannel.open(file))) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            CompletableFuture<List<SendProgress>> done = sendRegion(handler, channel, 100, count);
            byte[] received = readAndHash(socket.getInputStream(), count);
            List<SendProgress> passes = done.get(60, TimeUnit.SECONDS);
            assertArrayEquals(sha256(file, 100, count), received);
            assertEquals(count, passes.stream().mapToLong(SendProgress::bytes).sum());
            assertInstanceOf(SendProgress.Done.class, passes.getLast());
        }
    }

    /** Counts the sendfile calls on the socket under strace attached to this very JVM. */
    @Test
    void fileRegionsReallyGoThroughSendfile() throws Exception {
        String strace = ExternalTool.require("strace", "strace");
        long count = 8L << 20;
        Path file = writeFile("traced.bin", count);
        start();
        Path log = dir.resolve("strace.log");
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            int socketFd = ((EpollConnection) handler.connection).fd();
            Process tracer = new ProcessBuilder(strace, "-f", "-e", "trace=sendfile", "-o", log.toString(),
                    "-p", Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("strace.out").toFile()).start();
            try {
                awaitTraced(((EpollEventLoop) handler.connection.eventLoop()).thread().getName());
                CompletableFuture<List<SendProgress>> done = sendRegion(handler, channel, 0, count);
                byte[] received = readAndHash(socket.getInputStream(), count);
                done.get(60, TimeUnit.SECONDS);
                assertArrayEquals(sha256(file, 0, count), received);
            } finally {
                tracer.destroy();
                assertTrue(tracer.waitFor(30, TimeUnit.SECONDS), "strace did not detach");
            }
            Pattern call = Pattern.compile("sendfile\\(" + socketFd + ", \\d+, .*\\) = (\\d+)$");
            long calls = 0;
            long bytes = 0;
            for (String line : Files.readAllLines(log)) {
                Matcher matcher = call.matcher(line);
                if (matcher.find()) {
                    calls++;
                    bytes += Long.parseLong(matcher.group(1));
                }
            }
            assertTrue(calls >= 1, "no sendfile on fd " + socketFd + " in:\n" + Files.readString(log));
            assertEquals(count, bytes, "every byte of the region went through sendfile");
        }
    }

    /**
     * HTTP/2's shape, 16 KiB regions behind 9-byte headers, takes the gathered path: the file
     * bytes are read with pread (a run of contiguous regions per call) and leave with their
     * headers in gathering sendmsg calls that carry many frames each; no sendfile at all.
     */
    @Test
    void smallRegionsLeaveInGatheredWritesWithoutSendfile() throws Exception {
        String strace = ExternalTool.require("strace", "strace");
        int frames = 256;
        int payload = 16 * 1024;
        Path file = writeFile("gathered.bin", (long) frames * payload);
        start();
        Path log = dir.resolve("strace-gathered.log");
        try (Socket socket = new Socket(); FileChannel channel = FileChannel.open(file)) {
            socket.connect(server.localAddress(), 10_000);
            socket.setSoTimeout(60_000);
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            int socketFd = ((EpollConnection) handler.connection).fd();
            // Only the loop thread, so that no other thread's call splits its lines (strace -f's "resumed").
            String loopTid = taskOf(((EpollEventLoop) handler.connection.eventLoop()).thread().getName());
            Process tracer = new ProcessBuilder(strace, "-e", "trace=sendfile,sendmsg,pread64", "-o", log.toString(),
                    "-p", loopTid)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("strace-gathered.out").toFile()).start();
            try {
                awaitTraced(((EpollEventLoop) handler.connection.eventLoop()).thread().getName());
                CompletableFuture<Void> lastDone = new CompletableFuture<>();
                handler.connection.eventLoop().execute(() -> {
                    for (int i = 0; i < frames; i++) {
                        boolean last = i == frames - 1;
                        handler.connection.write(ByteBuffer.allocate(9).putInt(0, i).putInt(4, payload));
                        handler.connection.writeFile(channel, (long) i * payload, payload, progress -> {
                            if (last && progress instanceof SendProgress.Done) {
                                lastDone.complete(null);
                            }
                        });
                    }
                    handler.connection.flush();
                });
                InputStream in = socket.getInputStream();
                try (FileChannel reader = FileChannel.open(file)) {
                    for (int i = 0; i < frames; i++) {
                        ByteBuffer header = ByteBuffer.wrap(in.readNBytes(9));
                        assertEquals(i, header.getInt(0), "frame header " + i + " in its place");
                        ByteBuffer expected = ByteBuffer.allocate(payload);
                        reader.read(expected, (long) i * payload);
                        assertArrayEquals(expected.array(), in.readNBytes(payload), "payload of frame " + i);
                    }
                }
                lastDone.get(20, TimeUnit.SECONDS);
            } finally {
                tracer.destroy();
                assertTrue(tracer.waitFor(30, TimeUnit.SECONDS), "strace did not detach");
            }
            Pattern sendmsg = Pattern.compile("sendmsg\\(" + socketFd + ", .*\\) = (\\d+)$");
            long sendCalls = 0;
            long sentBytes = 0;
            long preads = 0;
            for (String line : Files.readAllLines(log)) {
                assertTrue(!line.contains("sendfile(" + socketFd + ","), "no sendfile: " + line);
                Matcher matcher = sendmsg.matcher(line);
                if (matcher.find()) {
                    sendCalls++;
                    sentBytes += Long.parseLong(matcher.group(1));
                }
                if (line.contains("pread64(")) {
                    preads++;
                }
            }
            assertEquals((long) frames * (payload + 9), sentBytes, "every header and payload byte went through sendmsg");
            assertTrue(sendCalls > 0 && sendCalls < frames / 4, sendCalls + " sendmsg calls for " + frames + " frames");
            assertTrue(preads > 0 && preads < frames / 4, preads + " pread calls for " + frames + " regions");
        }
    }

    /** @return the id of this JVM's task (thread) named {@code threadName} in /proc/self/task/N/comm */
    private static String taskOf(String threadName) throws IOException {
        String comm = threadName.length() > 15 ? threadName.substring(0, 15) : threadName;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(comm)) {
                        return task.getFileName().toString();
                    }
                } catch (IOException threadEnded) {
                    // Threads come and go while we look.
                }
            }
        }
        throw new AssertionError("no thread named " + threadName);
    }

    /** Waits until the loop thread (found by its name in /proc/self/task/N/comm) has a tracer. */
    private static void awaitTraced(String threadName) throws IOException {
        String comm = threadName.length() > 15 ? threadName.substring(0, 15) : threadName;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        if (Files.readString(task.resolve("comm")).strip().equals(comm)
                                && Files.readAllLines(task.resolve("status")).stream()
                                .anyMatch(l -> l.startsWith("TracerPid:") && !l.endsWith("\t0"))) {
                            return;
                        }
                    } catch (IOException threadEnded) {
                        // Threads come and go while we look.
                    }
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
        }
        throw new AssertionError("strace never attached to " + threadName);
    }

    /**
     * 1 GiB goes out byte-exact (SHA-256 on the reading side), and the loop thread allocates
     * next to nothing on the heap while doing it: the bytes never enter Java memory.
     */
    @Test
    void oneGibibyteRegionArrivesByteExactWithoutHeapAllocation() throws Exception {
        long count = 1L << 30;
        Path file = writeFile("gibibyte.bin", count);
        start();
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Socket socket = connectSmallWindow(); FileChannel channel = FileChannel.open(file)) {
            RecordingHandler handler = handlers.poll(20, TimeUnit.SECONDS);
            long loopThreadId = ((EpollEventLoop) handler.connection.eventLoop()).thread().threadId();
            long allocatedBefore = threads.getThreadAllocatedBytes(loopThreadId);
            CompletableFuture<List<SendProgress>> done = sendRegion(handler, channel, 0, count);
            byte[] received = readAndHash(socket.getInputStream(), count);
            List<SendProgress> passes = done.get(120, TimeUnit.SECONDS);
            long allocated = threads.getThreadAllocatedBytes(loopThreadId) - allocatedBefore;
            assertArrayEquals(sha256(file, 0, count), received);
            assertEquals(count, passes.stream().mapToLong(SendProgress::bytes).sum());
            // ~1,000+ passes each allocate a progress record and a list slot: a few hundred KiB at
            // most, against the 1 GiB a copying transport would allocate or churn.
            assertTrue(allocated < 8L << 20, "the loop thread allocated " + allocated + " bytes sending 1 GiB");
            assertNull(handler.closed.getNow(null));
        }
    }
}
