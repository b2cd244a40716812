package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The FFM bindings against real loopback sockets: results, errno mapping, and SIGPIPE safety. */
@Timeout(30)
class LinuxNativeTest {
    private Arena arena;
    private MemorySegment sockaddr;
    private MemorySegment length;
    private int listenFd = -1;

    @BeforeEach
    void listen() throws Exception {
        arena = Arena.ofConfined();
        sockaddr = arena.allocate(LinuxNative.SOCKADDR_STORAGE_SIZE);
        length = arena.allocate(ValueLayout.JAVA_INT);
        listenFd = LinuxNative.socket(LinuxNative.AF_INET);
        LinuxNative.setIntOption(listenFd, LinuxNative.SOL_SOCKET, LinuxNative.SO_REUSEADDR, 1);
        int encoded = SocketAddresses.encode(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), sockaddr);
        LinuxNative.bind(listenFd, sockaddr, encoded);
        LinuxNative.listen(listenFd, 16);
    }

    @AfterEach
    void closeAll() {
        LinuxNative.close(listenFd);
        arena.close();
    }

    private InetSocketAddress listenAddress() throws Exception {
        return SocketAddresses.decode(sockaddr, LinuxNative.getsockname(listenFd, sockaddr, length));
    }

    /** Accepts the connection the client just made, waiting for it on epoll (non-blocking listener). */
    private int acceptOne() throws Exception {
        int epollFd = LinuxNative.epollCreate();
        try {
            MemorySegment events = arena.allocate(LinuxNative.EPOLL_EVENT.arrayBytes(4));
            LinuxNative.epollCtl(epollFd, LinuxNative.EPOLL_CTL_ADD, listenFd, LinuxNative.EPOLLIN, 42L, events);
            int ready = LinuxNative.epollWait(epollFd, events, 4, 10_000);
            assertEquals(1, ready);
            assertEquals(42L, events.get(ValueLayout.JAVA_LONG_UNALIGNED, LinuxNative.EPOLL_EVENT.dataAt(0)));
            assertTrue((events.get(ValueLayout.JAVA_INT_UNALIGNED, LinuxNative.EPOLL_EVENT.eventsAt(0)) & LinuxNative.EPOLLIN) != 0);
            int fd = LinuxNative.accept4(listenFd, sockaddr, length);
            assertTrue(fd >= 0, "accept4 gave " + Errno.nameOf(-fd));
            return fd;
        } finally {
            LinuxNative.close(epollFd);
        }
    }

    @Test
    void acceptSendAndReadOverLoopback() throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listenAddress().getPort())) {
            int fd = acceptOne();
            try {
                InetSocketAddress peer = SocketAddresses.decode(sockaddr, LinuxNative.getpeername(fd, sockaddr, length));
                assertEquals(client.getLocalPort(), peer.getPort());

                MemorySegment out = arena.allocateFrom("hello", StandardCharsets.US_ASCII);
                assertEquals(5, LinuxNative.send(fd, out, 5));
                assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), client.getInputStream().readNBytes(5));

                client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                MemorySegment in = arena.allocate(64);
                long read = 0;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (read < 4 && System.nanoTime() < deadline) {
                    long n = LinuxNative.read(fd, in.asSlice(read), 64 - read);
                    if (n > 0) {
                        read += n;
                    } else {
                        assertEquals(-Errno.EAGAIN.number, n, "only EAGAIN is expected while the bytes travel");
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
                    }
                }
                assertEquals("ping", new String(in.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII));
                assertEquals(-Errno.EAGAIN.number, LinuxNative.read(fd, in, 64), "nothing more to read");
            } finally {
                LinuxNative.close(fd);
            }
        }
    }

    @Test
    void gatheringSendmsgSendsEveryIovecInOrder() throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listenAddress().getPort())) {
            int fd = acceptOne();
            try {
                MemorySegment first = arena.allocateFrom("abc", StandardCharsets.US_ASCII);
                MemorySegment second = arena.allocateFrom("defgh", StandardCharsets.US_ASCII);
                MemorySegment iov = arena.allocate(2 * LinuxNative.IOVEC_SIZE, 8);
                iov.set(ValueLayout.ADDRESS, 0, first);
                iov.set(ValueLayout.JAVA_LONG, 8, 3);
                iov.set(ValueLayout.ADDRESS, 16, second);
                iov.set(ValueLayout.JAVA_LONG, 24, 5);
                MemorySegment msghdr = arena.allocate(LinuxNative.MSGHDR_SIZE, 8);
                msghdr.set(ValueLayout.ADDRESS, LinuxNative.MSGHDR_IOV_OFFSET, iov);
                msghdr.set(ValueLayout.JAVA_LONG, LinuxNative.MSGHDR_IOVLEN_OFFSET, 2);
                assertEquals(8, LinuxNative.sendmsg(fd, msghdr, 0));
                assertEquals("abcdefgh", new String(client.getInputStream().readNBytes(8), StandardCharsets.US_ASCII));
            } finally {
                LinuxNative.close(fd);
            }
        }
    }

    @Test
    void sendfileMovesFileBytesToTheSocket(@TempDir Path dir) throws Exception {
        byte[] content = new byte[200_000];
        new Random(7).nextBytes(content);
        Path file = Files.write(dir.resolve("data.bin"), content);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listenAddress().getPort());
             var channel = java.nio.channels.FileChannel.open(file)) {
            int fd = acceptOne();
            int fileFd = FileDescriptors.of(channel).orElseThrow();
            byte[][] received = new byte[1][];
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = client.getInputStream()) {
                    received[0] = in.readNBytes(content.length);
                } catch (Exception e) {
                    received[0] = new byte[0];
                }
            });
            try {
                MemorySegment offset = arena.allocateFrom(ValueLayout.JAVA_LONG, 0L);
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (offset.get(ValueLayout.JAVA_LONG, 0) < content.length && System.nanoTime() < deadline) {
                    long n = LinuxNative.sendfile(fd, fileFd, offset, content.length - offset.get(ValueLayout.JAVA_LONG, 0));
                    assertTrue(n > 0 || n == -Errno.EAGAIN.number, "sendfile gave " + n);
                    if (n < 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling with a deadline, not spinning a shared CPU
                    }
                }
                reader.join(20_000);
                assertArrayEquals(content, received[0]);
            } finally {
                LinuxNative.close(fd);
            }
        }
    }

    @Test
    void errnoIsNamedWithTheFailingCall() throws Exception {
        int port = listenAddress().getPort();
        int second = LinuxNative.socket(LinuxNative.AF_INET);
        try {
            int encoded = SocketAddresses.encode(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), sockaddr);
            NativeCallException failure = assertThrows(NativeCallException.class, () -> LinuxNative.bind(second, sockaddr, encoded));
            assertEquals("bind", failure.call());
            assertEquals("EADDRINUSE", failure.errnoName());
            assertEquals("bind failed: EADDRINUSE (98)", failure.getMessage());
        } finally {
            LinuxNative.close(second);
        }
        assertEquals(-Errno.EBADF.number, LinuxNative.read(-1, arena.allocate(8), 8));
        assertEquals(-Errno.EAGAIN.number, LinuxNative.accept4(listenFd, sockaddr, length), "no connection pending");
        assertEquals("errno 4095", Errno.nameOf(4095));
    }

    @Test
    void eventfdRingsAndDrains() throws Exception {
        int fd = LinuxNative.eventfd();
        try {
            MemorySegment word = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
            assertEquals(-Errno.EAGAIN.number, LinuxNative.read(fd, word, 8), "nothing rung yet");
            assertEquals(8, LinuxNative.write(fd, word, 8));
            assertEquals(8, LinuxNative.write(fd, word, 8));
            assertEquals(8, LinuxNative.read(fd, word, 8));
            assertEquals(2L, word.get(ValueLayout.JAVA_LONG, 0), "two rings add up");
        } finally {
            LinuxNative.close(fd);
        }
    }

    /**
     * After the peer resets, every kind of write returns an errno instead of killing the JVM:
     * send/sendmsg carry MSG_NOSIGNAL; writev and sendfile rely on the JVM ignoring SIGPIPE,
     * which this test proves by surviving them.
     */
    @Test
    void writesToAResetPeerFailWithErrnoAndNeverKillTheJvm(@TempDir Path dir) throws Exception {
        assertTrue(EpollAvailability.sigpipeHandled(), "the JVM must catch or ignore SIGPIPE");
        Path file = Files.write(dir.resolve("f"), new byte[65536]);
        int fd;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listenAddress().getPort())) {
            fd = acceptOne();
            client.setSoLinger(true, 0);
        }
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            MemorySegment data = arena.allocate(65536);
            MemorySegment iov = arena.allocate(LinuxNative.IOVEC_SIZE, 8);
            iov.set(ValueLayout.ADDRESS, 0, data);
            iov.set(ValueLayout.JAVA_LONG, 8, 65536);
            MemorySegment offset = arena.allocate(ValueLayout.JAVA_LONG);
            int fileFd = FileDescriptors.of(channel).orElseThrow();
            long deadline = System.nanoTime() + 10_000_000_000L;
            long sendResult = 0;
            while (sendResult >= 0 && System.nanoTime() < deadline) {
                sendResult = LinuxNative.send(fd, data, 65536);
            }
            assertTrue(sendResult == -Errno.ECONNRESET.number || sendResult == -Errno.EPIPE.number, Errno.nameOf((int) -sendResult));
            // Now the socket is dead: these would raise SIGPIPE.
            assertEquals(-Errno.EPIPE.number, LinuxNative.writev(fd, iov, 1));
            offset.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(-Errno.EPIPE.number, LinuxNative.sendfile(fd, fileFd, offset, 65536));
            assertEquals(-Errno.EPIPE.number, LinuxNative.write(fd, data, 16));
        } finally {
            LinuxNative.close(fd);
        }
    }
}
