package dev.weft.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.ProgressListener;
import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.Transport;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.testing.TrustingTls;
import dev.weft.transport.epoll.EpollTransport;
import dev.weft.transport.nio.NioTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS layer on each real transport, driven by the JDK's {@code SSLSocket} as the client: ALPN
 * picks by the server's preference, bytes and file regions cross byte-exact in both directions
 * under back-pressure, half-close travels as close_notify, and bad clients (garbage, cleartext
 * HTTP, an ALPN nobody serves, a handshake that never comes) each get their answer and a closed
 * connection while the server goes on serving.
 */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsLayerTest {
    /** One development certificate for the whole class: keytool takes a second or two. */
    private static final TlsConfig CONFIG = TlsConfig.selfSigned();
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    @Parameter
    String transportName;
    @TempDir
    Path temp;

    private TransportServer server;
    /** The ALPN id each secured connection was opened with, in order. */
    private final BlockingQueue<String> opened = new LinkedBlockingQueue<>();
    /** Completed with each file region's progress events once it is done. */
    private final CompletableFuture<Long> fileDone = new CompletableFuture<>();
    private Path file;

    private Transport transport() {
        return transportName.equals("nio") ? new NioTransport() : new EpollTransport();
    }

    private int start(Duration handshakeTimeout) throws IOException {
        TlsLayer layer = new TlsLayer(CONFIG, List.of("echo", "file"), handshakeTimeout);
        server = transport().start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1),
                layer.wrap((secured, alpn) -> {
                    opened.add(alpn);
                    return alpn.equals("file") ? new FileSender(secured, file, fileDone) : new Echo(secured);
                }));
        return server.localAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void alpnPicksTheServersPreferenceAndEchoesOneMebibyteUnderBackPressure() throws Exception {
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        byte[] sent = new byte[1 << 20];
        new Random(7).nextBytes(sent);
        try (SSLSocket socket = client(port, "file", "echo")) {
            socket.startHandshake();
            assertEquals("echo", socket.getApplicationProtocol());
            assertEquals("echo", opened.poll(5, TimeUnit.SECONDS));
            // Write from another thread while reading here: neither side may wait for the other.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < sent.length; i += 10_000) {
                        out.write(sent, i, Math.min(10_000, sent.length - i));
                    }
                    out.flush();
                    socket.shutdownOutput(); // close_notify: the echo then ends its side too
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] received = socket.getInputStream().readAllBytes();
            writer.get(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertArrayEquals(sent, received);
        }
    }

    @Test
    void fileRegionsArriveByteExactWithoutZeroCopy() throws Exception {
        file = temp.resolve("three-mib.bin");
        byte[] content = new byte[3 << 20];
        new Random(11).nextBytes(content);
        Files.write(file, content);
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        try (SSLSocket socket = client(port, "file")) {
            socket.getOutputStream().write('!');
            socket.getOutputStream().flush();
            byte[] received = socket.getInputStream().readAllBytes();
            assertArrayEquals(content, received);
        }
        assertEquals(content.length, fileDone.get(5, TimeUnit.SECONDS));
    }

    @Test
    void clientWithoutAlpnIsOpenedWithTheEmptyId() throws Exception {
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        try (SSLSocket socket = client(port)) {
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals("ping", new String(socket.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
            assertEquals("", opened.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void unknownAlpnIsRefusedWithAnAlertAndTheServerGoesOn() throws Exception {
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        try (SSLSocket socket = client(port, "spdy/3")) {
            SSLHandshakeException refused = assertThrows(SSLHandshakeException.class, socket::startHandshake);
            assertTrue(refused.getMessage().contains("no_application_protocol"), refused.getMessage());
        }
        assertEchoWorks(port);
        assertEquals("echo", opened.poll(5, TimeUnit.SECONDS), "the refused client opened nothing");
    }

    @Test
    void garbageHandshakeGetsAnAlertAndAClose() throws Exception {
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        try (Socket socket = plainSocket(port)) {
            // A handshake record header followed by bytes that are no ClientHello.
            byte[] garbage = new byte[300];
            new Random(3).nextBytes(garbage);
            garbage[0] = 0x16;
            garbage[1] = 0x03;
            garbage[2] = 0x03;
            garbage[3] = 0x01;
            garbage[4] = 0x00;
            socket.getOutputStream().write(garbage);
            byte[] answer = socket.getInputStream().readAllBytes(); // ends: the server closed
            assertTrue(answer.length >= 7, "an alert record");
            assertEquals(0x15, answer[0], "TLS alert record");
            assertEquals(2, answer[5], "fatal alert");
        }
        assertEchoWorks(port);
    }

    @Test
    void randomBytesAreClosedWithoutADeadLoop() throws Exception {
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        try (Socket socket = plainSocket(port)) {
            byte[] garbage = new byte[4096];
            new Random(5).nextBytes(garbage);
            garbage[0] = 0x01; // neither a TLS record type nor a letter
            socket.getOutputStream().write(garbage);
            socket.getInputStream().readAllBytes(); // returns only because the server closed
        }
        assertEchoWorks(port);
    }

    @Test
    void cleartextHttpGetsAPlainAnswerNamingTls() throws Exception {
        int port = start(TlsLayer.DEFAULT_HANDSHAKE_TIMEOUT);
        try (Socket socket = plainSocket(port)) {
            socket.getOutputStream().write("GET /hello HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
            assertTrue(answer.contains("This port speaks HTTPS (TLS)"), answer);
        }
    }

    @Test
    void handshakeThatNeverComesIsClosedAtItsTimeout() throws Exception {
        int port = start(Duration.ofMillis(300));
        try (Socket socket = plainSocket(port)) {
            assertEquals(-1, socket.getInputStream().read(), "closed by the server without a byte");
        }
    }

    private void assertEchoWorks(int port) throws IOException {
        try (SSLSocket socket = client(port, "echo")) {
            socket.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals("still here", new String(socket.getInputStream().readNBytes(10), StandardCharsets.US_ASCII));
        }
    }

    private static Socket plainSocket(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        return socket;
    }

    /** A client that trusts any certificate (the server's is self-signed) and offers {@code alpn}. */
    static SSLSocket client(int port, String... alpn) throws IOException {
        SSLSocket socket = (SSLSocket) TrustingTls.context().getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        SSLParameters parameters = socket.getSSLParameters();
        if (alpn.length > 0) {
            parameters.setApplicationProtocols(alpn);
        }
        socket.setSSLParameters(parameters);
        return socket;
    }

    /** Echoes every byte; ends its side when the peer ends its. */
    private static final class Echo implements ConnectionHandler {
        private final Connection connection;

        Echo(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void onRead(ByteBuffer data) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining());
            copy.put(data).flip();
            connection.write(copy);
            connection.flush();
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            connection.setReadPaused(!writable); // a peer that does not read does not get to send more
        }

        @Override
        public void onInputClosed() {
            connection.shutdownOutput();
        }

        @Override
        public void onClosed(Throwable cause) {
        }
    }

    /** On the first byte, sends a file as three regions (the last one shorter), then ends its side. */
    private static final class FileSender implements ConnectionHandler {
        private final Connection connection;
        private final Path path;
        private final CompletableFuture<Long> done;
        private FileChannel channel;
        private long doneBytes;

        FileSender(Connection connection, Path path, CompletableFuture<Long> done) {
            this.connection = connection;
            this.path = path;
            this.done = done;
        }

        @Override
        public void onRead(ByteBuffer data) {
            data.position(data.limit());
            if (channel != null) {
                return;
            }
            try {
                channel = FileChannel.open(path);
                long size = channel.size();
                long third = size / 3 + 1;
                for (long position = 0; position < size; position += third) {
                    connection.writeFile(channel, position, Math.min(third, size - position), progress());
                }
                connection.flush();
            } catch (IOException e) {
                done.completeExceptionally(e);
                connection.close();
            }
        }

        private ProgressListener progress() {
            return progress -> {
                if (progress instanceof SendProgress.Done finished) {
                    doneBytes += finished.bytes();
                }
                if (progress instanceof SendProgress.Sent sent) {
                    doneBytes += sent.bytes();
                }
                try {
                    if (progress instanceof SendProgress.Done && doneBytes == channel.size()) {
                        done.complete(doneBytes);
                        connection.shutdownOutput();
                    }
                } catch (IOException e) {
                    done.completeExceptionally(e);
                }
            };
        }

        @Override
        public void onInputClosed() {
        }

        @Override
        public void onClosed(Throwable cause) {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // test cleanup
            }
        }
    }
}
