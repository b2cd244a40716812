package dev.weft.http2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.Frame;
import dev.weft.http2.core.SettingId;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole session over a real socket, frame by frame, as a conformance suite would drive it: on
 * each transport in cleartext and through the TLS layer (ALPN h2), the same frames and answers.
 */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll", "nio+tls", "epoll+tls"})
@Timeout(30)
class SessionConformanceTest {
    @Parameter
    String transport;
    @TempDir
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(transport, root);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void getAnswersHeadersThenDataWithEndStream() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/hello");
            Frame.Headers headers = assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            Map<String, String> fields = client.decode(headers);
            assertEquals("200", fields.get(":status"));
            assertEquals("13", fields.get("content-length"));
            Frame.Data data = assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals("Hello, world!", StandardCharsets.UTF_8.decode(data.data()).toString());
            assertTrue(data.endStream());
        }
    }

    /**
     * §4.2: frames go up to the peer's SETTINGS_MAX_FRAME_SIZE. A file answers in DATA frames of
     * exactly that size (and none larger), whether the transport gathers them (40,000 octets)
     * or sends them zero-copy (1 MiB), byte-exact.
     */
    @Test
    void fileDataFramesTakeThePeersLargerMaxFrameSize() throws Exception {
        byte[] content = new byte[3 << 20];
        new java.util.Random(5).nextBytes(content);
        Files.write(root.resolve("big.bin"), content);
        for (int frameSize : new int[] {40_000, 1 << 20}) {
            try (RawFrameClient client = server.client().handshake(
                    new Frame.Setting(SettingId.MAX_FRAME_SIZE.code(), frameSize),
                    new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), Integer.MAX_VALUE))) {
                client.send(new Frame.WindowUpdate(0, Integer.MAX_VALUE - 65_535));
                client.request(1, true, "GET", "/files/big.bin");
                assertEquals("200", client.decode(assertInstanceOf(Frame.Headers.class, client.nextSignificant())).get(":status"));
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                int largest = 0;
                while (true) {
                    Frame.Data data = assertInstanceOf(Frame.Data.class, client.nextSignificant());
                    int length = data.data().remaining();
                    assertTrue(length <= frameSize, "a DATA frame of " + length + " octets over the peer's " + frameSize);
                    largest = Math.max(largest, length);
                    byte[] bytes = new byte[length];
                    data.data().get(bytes);
                    body.write(bytes);
                    if (data.endStream()) {
                        break;
                    }
                }
                assertEquals(frameSize, largest, "frames of the peer's size, not 16 KiB");
                assertArrayEquals(content, body.toByteArray());
            }
        }
    }

    @Test
    void connectionSpecificResponseFieldsAreLeftOut() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/odd-headers");
            Map<String, String> fields = client.decode(assertInstanceOf(Frame.Headers.class, client.nextSignificant()));
            assertEquals("yes", fields.get("x-good"));
            assertEquals(null, fields.get("connection"));
        }
    }

    @Test
    void responseFieldWithCrLfFailsTheHandlerWhereItIsSetAnd500Goes() throws Exception {
        // Issue 17: refused by the API (IllegalArgumentException in the handler), not dropped on the wire.
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/split-header");
            Map<String, String> fields = client.decode(assertInstanceOf(Frame.Headers.class, client.nextSignificant()));
            assertEquals("500", fields.get(":status"));
            assertEquals(null, fields.get("x-split"));
        }
        assertTrue(server.splitHeaderRefusal.get() != null
                && server.splitHeaderRefusal.get().getMessage().contains("x-split cannot be sent"),
                () -> "handler saw: " + server.splitHeaderRefusal.get());
    }

    @Test
    void headRequestGetsEndStreamOnHeaders() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "HEAD", "/hello");
            Frame.Headers headers = assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            assertTrue(headers.endStream());
            assertEquals("13", client.decode(headers).get("content-length"));
        }
    }

    @Test
    void initialWindowOfOneGetsOneByteDataFrames() throws Exception {
        // h2spec 6.9.1: the server must respect a tiny window and resume on WINDOW_UPDATE.
        try (RawFrameClient client = server.client()
                .handshake(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 1))) {
            client.request(1, true, "GET", "/hello");
            assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            Frame.Data first = assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals(1, first.data().remaining());
            StringBuilder body = new StringBuilder(StandardCharsets.UTF_8.decode(first.data()));
            while (body.length() < 13) {
                client.send(new Frame.WindowUpdate(1, 1));
                Frame.Data more = assertInstanceOf(Frame.Data.class, client.nextSignificant());
                assertEquals(1, more.data().remaining());
                body.append(StandardCharsets.UTF_8.decode(more.data()));
                assertEquals(body.length() == 13, more.endStream());
            }
            assertEquals("Hello, world!", body.toString());
        }
    }

    @Test
    void windowRaisedBySettingsAfterHeadersResumesData() throws Exception {
        try (RawFrameClient client = server.client()
                .handshake(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 0))) {
            client.request(1, true, "GET", "/hello");
            assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            client.send(new Frame.Settings(false, java.util.List.of(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 5))));
            Frame.Data data = assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals("Hello", StandardCharsets.UTF_8.decode(data.data()).toString());
        }
    }

    @Test
    void connectionErrorSendsGoAwayAndCloses() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.sendRaw(new byte[] {0, 0, 6, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6}); // PING of length 6
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, client.nextSignificant());
            assertEquals(ErrorCode.FRAME_SIZE_ERROR.code(), goAway.errorCode());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void streamErrorResetsOnlyThatStream() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/hello", "Upper", "x");
            assertEquals(new Frame.RstStream(1, ErrorCode.PROTOCOL_ERROR.code()), client.nextSignificant());
            client.request(3, true, "GET", "/hello");
            assertInstanceOf(Frame.Headers.class, client.nextSignificant());
        }
    }

    @Test
    void throwingHandlerGets500WithoutStackTrace() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/boom");
            Frame.Headers headers = assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            assertEquals("500", client.decode(headers).get(":status"));
            Frame.Data data = assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals("internal server error\n", StandardCharsets.UTF_8.decode(data.data()).toString());
        }
    }

    @Test
    void fileChannelIsClosedAfterDownloadAndAfterReset() throws Exception {
        Path file = TestServer.randomFile(root.resolve("one-mib.bin"), 1 << 20);
        try (RawFrameClient client = server.client()
                .handshake(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), Frame.MAX_31_BIT))) {
            client.send(new Frame.WindowUpdate(0, Frame.MAX_31_BIT - 65_535));
            client.request(1, true, "GET", "/files/one-mib.bin");
            long received = 0;
            Frame frame;
            do {
                frame = client.nextSignificant();
                if (frame instanceof Frame.Data data) {
                    received += data.data().remaining();
                }
            } while (!(frame instanceof Frame.Data data && data.endStream()));
            assertEquals(1 << 20, received);
            awaitNoOpenDescriptor(file);
        }
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/files/one-mib.bin");
            while (!(client.nextSignificant() instanceof Frame.Data)) {
                // headers first
            }
            client.send(new Frame.RstStream(1, ErrorCode.CANCEL.code()));
            awaitNoOpenDescriptor(file);
        }
    }

    /** Polls /proc/self/fd until no descriptor of this JVM points at {@code file} (Linux). */
    private static void awaitNoOpenDescriptor(Path file) throws Exception {
        Path real = file.toRealPath();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long open;
            try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
                open = fds.filter(fd -> {
                    try {
                        return java.nio.file.Files.readSymbolicLink(fd).equals(real);
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }).count();
            }
            if (open == 0) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "file still open: " + real);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // poll, with a deadline
        }
    }

    @Test
    void streamedContentIsPulledOnlyAsTheWindowAllows() throws Exception {
        try (RawFrameClient client = server.client()
                .handshake(new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), 4096))) {
            client.request(1, true, "GET", "/counted");
            int received = 0;
            while (received < 4096) {
                if (client.nextSignificant() instanceof Frame.Data data) {
                    received += data.data().remaining();
                }
            }
            client.send(new Frame.Ping(false, 99));
            Frame frame;
            while (!((frame = client.next()) instanceof Frame.Ping ping && ping.ack())) {
                assertTrue(!(frame instanceof Frame.Data), "no DATA beyond the window");
            }
            // Four chunks went out; at most one more was pulled and waits for credit.
            assertTrue(server.pulls.get() <= 5, "pulled " + server.pulls.get() + " chunks for a 4 KiB window");
            client.send(new Frame.WindowUpdate(1, 1024));
            Frame.Data more = assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals(1024, more.data().remaining());
        }
    }

    @Test
    void sourceFailingAfterHeadersResetsWithInternalError() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/breaks-midway");
            assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals(new Frame.RstStream(1, ErrorCode.INTERNAL_ERROR.code()), client.nextSignificant());
        }
    }

    @Test
    void missingFileGets500BeforeAnyHeader() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/vanished");
            Frame.Headers headers = assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            assertEquals("500", client.decode(headers).get(":status"));
        }
    }

    @Test
    void peerResetInterruptsTheHandler() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/hang");
            assertTrue(server.hangStarted.await(10, TimeUnit.SECONDS));
            client.send(new Frame.RstStream(1, ErrorCode.CANCEL.code()));
            assertTrue(server.hangInterrupted.await(10, TimeUnit.SECONDS));
            assertTrue(server.hangResourcesClosed.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void gracefulShutdownSendsGoAwayLetsStreamFinishThenCloses() throws Exception {
        server.arrivals = new CountDownLatch(1);
        server.release = new CountDownLatch(1);
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/wait/7");
            assertTrue(server.arrivals.await(10, TimeUnit.SECONDS));
            var stopped = server.server.shutdown(Duration.ofSeconds(20));
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, client.nextSignificant());
            assertEquals(1, goAway.lastStreamId());
            assertEquals(ErrorCode.NO_ERROR.code(), goAway.errorCode());
            server.release.countDown();
            Frame.Headers headers = assertInstanceOf(Frame.Headers.class, client.nextSignificant());
            assertEquals("200", client.decode(headers).get(":status"));
            Frame.Data data = assertInstanceOf(Frame.Data.class, client.nextSignificant());
            assertEquals("7", StandardCharsets.UTF_8.decode(data.data()).toString());
            assertTrue(client.closedByServer());
            stopped.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void idleConnectionWithoutStreamsGetsGoAwayOnShutdown() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            var stopped = server.server.shutdown(Duration.ofSeconds(20));
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, client.nextSignificant());
            assertEquals(ErrorCode.NO_ERROR.code(), goAway.errorCode());
            assertEquals(0, goAway.lastStreamId());
            assertTrue(client.closedByServer());
            stopped.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void requestBodyIsFlowControlledAndCreditedAsConsumed() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, false, "POST", "/sink");
            int sent = 0;
            // 3 MiB: more than the 1 MiB stream window, so credit must come back as /sink consumes.
            long credited = Http2Settings.DEFAULT_INITIAL_WINDOW_SIZE;
            while (sent < (3 << 20)) {
                while (sent + 16_384 > credited) {
                    Frame frame = client.next();
                    if (frame instanceof Frame.WindowUpdate update && update.streamId() == 1) {
                        credited += update.increment();
                    }
                }
                client.send(Frame.Data.of(1, ByteBuffer.allocate(16_384), false));
                sent += 16_384;
            }
            client.send(Frame.Data.of(1, ByteBuffer.allocate(0), true));
            Frame frame;
            while (!((frame = client.nextSignificant()) instanceof Frame.Data)) {
                assertInstanceOf(Frame.Headers.class, frame);
            }
            assertEquals(Integer.toString(3 << 20), StandardCharsets.UTF_8.decode(((Frame.Data) frame).data()).toString());
        }
    }

    @Test
    void streamBeyondMaxConcurrentStreamsIsRefusedEvenWhenHandlersAreFast() throws Exception {
        // h2spec 5.1.2: requests without END_STREAM stay open after their response, so they count.
        try (RawFrameClient client = server.client().handshake()) {
            int stream = 1;
            for (int i = 0; i <= Http2Settings.DEFAULT_MAX_CONCURRENT_STREAMS; i++, stream += 2) {
                client.request(stream, false, "GET", "/hello");
            }
            int refused = stream - 2;
            Frame frame;
            do {
                frame = client.nextSignificant();
            } while (!(frame instanceof Frame.RstStream));
            assertEquals(new Frame.RstStream(refused, ErrorCode.REFUSED_STREAM.code()), frame);
        }
    }

    @Test
    void dataAfterFinishedExchangeIsStreamClosed() throws Exception {
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, true, "GET", "/hello");
            Frame frame;
            do {
                frame = client.nextSignificant();
            } while (!(frame instanceof Frame.Data data && data.endStream()));
            client.send(Frame.Data.of(1, ByteBuffer.wrap(new byte[] {1}), true));
            assertEquals(new Frame.RstStream(1, ErrorCode.STREAM_CLOSED.code()), client.nextSignificant());
        }
    }

    @Test
    void unfinishedHeaderBlockIsClosedAfterTimeout() throws Exception {
        server.close();
        server = new TestServer(transport, root, Http2Settings.defaults().withSlowPeerTimeout(Duration.ofMillis(300)));
        try (RawFrameClient client = server.client().handshake()) {
            client.send(new Frame.Headers(1, ByteBuffer.wrap(new byte[] {(byte) 0x82}), true, false, null, 0));
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, client.nextSignificant());
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), goAway.errorCode());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void idleConnectionWhoseStreamWaitsForABodyIsClosed() throws Exception {
        server.close();
        server = new TestServer(transport, root, Http2Settings.defaults(), Duration.ofMillis(500));
        try (RawFrameClient client = server.client().handshake()) {
            client.request(1, false, "POST", "/sink"); // and never a byte of body
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, client.nextSignificant());
            assertEquals(ErrorCode.NO_ERROR.code(), goAway.errorCode());
            assertEquals(1, goAway.lastStreamId());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void slowPrefaceIsClosedAfterTimeout() throws Exception {
        server.close();
        server = new TestServer(transport, root, Http2Settings.defaults().withSlowPeerTimeout(Duration.ofMillis(300)));
        try (Socket socket = server.socket()) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("PRI * HTTP".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            int read;
            try {
                read = in.read();
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            assertEquals(-1, read);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(8));
        }
    }
}
