package dev.weft.server.hostile;

import com.twitter.hpack.Decoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile HTTP/2 client for the attack tests: its own small raw-frame encoder (nothing
 * checks what it sends), and a reader thread that records what the server answers (GOAWAY,
 * RST_STREAM, response statuses, PING ACKs) and when the connection ends.
 *
 * <p>Threading: the writing methods are called from the test thread (synchronized on this); the
 * reader runs on a virtual thread of its own; what it records is in concurrent containers.
 */
final class H2Attacker implements AutoCloseable {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            WINDOW_UPDATE = 8, CONTINUATION = 9;
    static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
    static final int NO_ERROR = 0x0, PROTOCOL_ERROR = 0x1, FLOW_CONTROL_ERROR = 0x3, STREAM_CLOSED = 0x5,
            REFUSED_STREAM = 0x7, CANCEL = 0x8, COMPRESSION_ERROR = 0x9, ENHANCE_YOUR_CALM = 0xb;

    /** How the connection ended, as far as the attacker saw. */
    record Ending(int goAwayCode, String debug, int lastStreamId, boolean closed) {
        static final int NO_GOAWAY = -1;

        @Override
        public String toString() {
            return (goAwayCode == NO_GOAWAY ? "no GOAWAY" : "GOAWAY 0x" + Integer.toHexString(goAwayCode) + " (" + debug + ")")
                    + (closed ? ", closed" : ", still open");
        }
    }

    private final Socket socket;
    private final OutputStream out;
    /** Reader: the GOAWAY seen, completed on GOAWAY or end of input. */
    private final CompletableFuture<Ending> goAway = new CompletableFuture<>();
    /** Reader: completed when the server closed (EOF or reset). */
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    /** Reader: RST_STREAM codes by stream id. */
    final Map<Integer, Integer> resets = new ConcurrentHashMap<>();
    /** Reader: response :status by stream id. */
    final Map<Integer, String> statuses = new ConcurrentHashMap<>();
    final AtomicLong framesReceived = new AtomicLong();
    final AtomicLong pingAcks = new AtomicLong();
    final AtomicLong dataBytesReceived = new AtomicLong();
    /** Reader: the server's SETTINGS_INITIAL_WINDOW_SIZE, our send window for new streams. */
    private volatile long peerInitialWindow = 65_535;
    /** Reader: connection-level send credit granted so far (RFC 9113's initial 65,535 plus updates). */
    private final AtomicLong connectionCredit = new AtomicLong(65_535);
    /** Reader: stream-level WINDOW_UPDATE increments by stream id. */
    private final Map<Integer, AtomicLong> streamCredit = new ConcurrentHashMap<>();
    /** Test thread: DATA octets sent, in total and by stream. */
    private long dataSent;
    private final Map<Integer, Long> dataSentOnStream = new ConcurrentHashMap<>();
    /** Frames this attacker wrote. Written by the test thread only. */
    long framesSent;
    private volatile int lastGoAwayCode = Ending.NO_GOAWAY;
    private volatile String lastGoAwayDebug = "";
    private volatile int lastGoAwayStream = -1;
    private boolean readerStarted;

    private H2Attacker(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
    }

    /** Connects and reads from the start. */
    static H2Attacker connect(InetSocketAddress address) throws IOException {
        H2Attacker attacker = connect(address, 0);
        attacker.startReading();
        return attacker;
    }

    /** Connects without reading (call {@link #startReading} later); a small receive buffer if {@code rcvBuf > 0}. */
    static H2Attacker connect(InetSocketAddress address, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(address, 5_000);
        socket.setTcpNoDelay(true);
        return new H2Attacker(socket);
    }

    /** Preface and an empty SETTINGS frame: an HTTP/2 connection that looks normal so far. */
    H2Attacker handshake(int... settings) throws IOException {
        synchronized (this) {
            out.write(PREFACE);
        }
        settings(settings);
        flush();
        return this;
    }

    synchronized void startReading() {
        if (readerStarted) {
            return;
        }
        readerStarted = true;
        Thread.ofVirtual().name("h2-attacker-reader").start(this::readLoop);
    }

    private void readLoop() {
        Decoder decoder = new Decoder(1 << 20, 4096);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        int blockStream = 0;
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] header = new byte[9];
            while (true) {
                in.readFully(header);
                int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                int type = header[3] & 0xff;
                int flags = header[4] & 0xff;
                int stream = ((header[5] & 0x7f) << 24) | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8 | header[8] & 0xff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                framesReceived.incrementAndGet();
                switch (type) {
                    case GOAWAY -> {
                        lastGoAwayStream = int32(payload, 0);
                        lastGoAwayCode = int32(payload, 4);
                        lastGoAwayDebug = new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
                        goAway.complete(new Ending(lastGoAwayCode, lastGoAwayDebug, lastGoAwayStream, false));
                    }
                    case RST_STREAM -> resets.put(stream, int32(payload, 0));
                    case PING -> {
                        if ((flags & ACK) != 0) {
                            pingAcks.incrementAndGet();
                        }
                    }
                    case DATA -> dataBytesReceived.addAndGet(length);
                    case SETTINGS -> {
                        for (int at = 0; (flags & ACK) == 0 && at + 6 <= payload.length; at += 6) {
                            if (((payload[at] & 0xff) << 8 | payload[at + 1] & 0xff) == 0x4) {
                                peerInitialWindow = int32(payload, at + 2) & 0xffffffffL;
                            }
                        }
                    }
                    case WINDOW_UPDATE -> {
                        long increment = int32(payload, 0) & 0x7fffffffL;
                        if (stream == 0) {
                            connectionCredit.addAndGet(increment);
                        } else {
                            streamCredit.computeIfAbsent(stream, k -> new AtomicLong()).addAndGet(increment);
                        }
                    }
                    case HEADERS, CONTINUATION -> {
                        int start = 0;
                        int end = payload.length;
                        if (type == HEADERS) {
                            block.reset();
                            blockStream = stream;
                            if ((flags & 0x8) != 0) { // PADDED
                                end -= payload[0] & 0xff;
                                start = 1;
                            }
                            if ((flags & 0x20) != 0) { // PRIORITY
                                start += 5;
                            }
                        }
                        block.write(payload, start, end - start);
                        if ((flags & END_HEADERS) != 0) {
                            int id = blockStream;
                            decoder.decode(new ByteArrayInputStream(block.toByteArray()), (name, value, sensitive) -> {
                                if (new String(name, StandardCharsets.ISO_8859_1).equals(":status")) {
                                    statuses.putIfAbsent(id, new String(value, StandardCharsets.ISO_8859_1));
                                }
                            });
                            decoder.endHeaderBlock();
                        }
                    }
                    default -> {
                        // SETTINGS, WINDOW_UPDATE, ...: nothing to record
                    }
                }
            }
        } catch (EOFException e) {
            // the server closed its side
        } catch (IOException e) {
            // reset or closed by us
        } finally {
            goAway.complete(new Ending(lastGoAwayCode, lastGoAwayDebug, lastGoAwayStream, true));
            closedFuture.complete(null);
        }
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | b[at + 3] & 0xff;
    }

    /**
     * Waits for the server to end the connection: GOAWAY, then close (or just close).
     *
     * @return how it ended; {@code closed} is false if it did not close within {@code timeout}
     */
    Ending awaitEnd(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Ending first = goAway.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            closedFuture.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return new Ending(lastGoAwayCode, lastGoAwayDebug, lastGoAwayStream, true);
        } catch (java.util.concurrent.TimeoutException e) {
            return first;
        }
    }

    /**
     * Paces a slow attack: waits up to {@code pause} for the server to end the connection.
     *
     * @return whether it ended
     */
    boolean waitForEnd(Duration pause) throws InterruptedException {
        try {
            goAway.get(pause.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return whether the server sent GOAWAY or closed */
    boolean ended() {
        return goAway.isDone();
    }

    boolean closedByServer() {
        return closedFuture.isDone();
    }

    // ---------------------------------------------------------------- writing

    synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        frame(type, flags, stream, payload, 0, payload.length);
    }

    synchronized void frame(int type, int flags, int stream, byte[] payload, int offset, int length) throws IOException {
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24 & 0x7f);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.write(payload, offset, length);
        framesSent++;
    }

    synchronized void flush() throws IOException {
        out.flush();
    }

    /** Writes raw bytes (a partial frame, a partial preface). */
    synchronized void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void settings(int... idValuePairs) throws IOException {
        byte[] payload = new byte[idValuePairs.length / 2 * 6];
        for (int i = 0; i + 1 < idValuePairs.length; i += 2) {
            int at = i / 2 * 6;
            payload[at] = (byte) (idValuePairs[i] >>> 8);
            payload[at + 1] = (byte) idValuePairs[i];
            putInt(payload, at + 2, idValuePairs[i + 1]);
        }
        frame(SETTINGS, 0, 0, payload);
    }

    void ping(long opaque) throws IOException {
        byte[] payload = new byte[8];
        putInt(payload, 0, (int) (opaque >>> 32));
        putInt(payload, 4, (int) opaque);
        frame(PING, 0, 0, payload);
    }

    void headers(int stream, byte[] block, boolean endStream, boolean endHeaders) throws IOException {
        frame(HEADERS, (endStream ? END_STREAM : 0) | (endHeaders ? END_HEADERS : 0), stream, block);
    }

    void continuation(int stream, byte[] fragment, boolean endHeaders) throws IOException {
        frame(CONTINUATION, endHeaders ? END_HEADERS : 0, stream, fragment);
    }

    void data(int stream, byte[] data, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, data);
    }

    /**
     * Sends as much of {@code chunk[offset, offset + length)} as the server's windows allow now, as one DATA frame.
     *
     * @return octets sent (0 when the windows are shut)
     */
    int dataWithinWindow(int stream, byte[] chunk, int offset, int length) throws IOException {
        long streamSent = dataSentOnStream.getOrDefault(stream, 0L);
        long streamWindow = peerInitialWindow + streamCredit.getOrDefault(stream, new AtomicLong()).get() - streamSent;
        long connectionWindow = connectionCredit.get() - dataSent;
        int take = (int) Math.max(0, Math.min(Math.min(streamWindow, connectionWindow), Math.min(length, 16_384)));
        if (take > 0) {
            frame(DATA, 0, stream, chunk, offset, take);
            dataSent += take;
            dataSentOnStream.put(stream, streamSent + take);
        }
        return take;
    }

    void rst(int stream, int code) throws IOException {
        byte[] payload = new byte[4];
        putInt(payload, 0, code);
        frame(RST_STREAM, 0, stream, payload);
    }

    void windowUpdate(int stream, int increment) throws IOException {
        byte[] payload = new byte[4];
        putInt(payload, 0, increment);
        frame(WINDOW_UPDATE, 0, stream, payload);
    }

    void priority(int stream, int dependency, int weight) throws IOException {
        byte[] payload = new byte[5];
        putInt(payload, 0, dependency);
        payload[4] = (byte) weight;
        frame(PRIORITY, 0, stream, payload);
    }

    private static void putInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket the server may have reset already
        }
    }

    // ---------------------------------------------------------------- HPACK by hand

    /** A request header block of literals without indexing (RFC 7541 §6.2.2), no Huffman. */
    static byte[] request(String method, String path, String... extraNameValues) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", method);
        literal(block, ":scheme", "http");
        literal(block, ":path", path);
        literal(block, ":authority", "localhost");
        for (int i = 0; i + 1 < extraNameValues.length; i += 2) {
            literal(block, extraNameValues[i], extraNameValues[i + 1]);
        }
        return block.toByteArray();
    }

    /** §6.2.2 literal header field without indexing, new name. */
    static void literal(ByteArrayOutputStream block, String name, String value) {
        block.write(0x00);
        string(block, name);
        string(block, value);
    }

    /** §6.2.1 literal header field with incremental indexing, new name: enters the dynamic table. */
    static void indexedLiteral(ByteArrayOutputStream block, String name, String value) {
        block.write(0x40);
        string(block, name);
        string(block, value);
    }

    /** §6.1 indexed header field. */
    static void indexed(ByteArrayOutputStream block, int index) {
        integer(block, 0x80, 7, index);
    }

    private static void string(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(block, 0x00, 7, bytes.length);
        block.writeBytes(bytes);
    }

    /** §5.1 integer with an N-bit prefix. */
    static void integer(ByteArrayOutputStream block, int firstByteBits, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            block.write(firstByteBits | value);
            return;
        }
        block.write(firstByteBits | max);
        value -= max;
        while (value >= 128) {
            block.write(value % 128 + 128);
            value /= 128;
        }
        block.write(value);
    }
}
