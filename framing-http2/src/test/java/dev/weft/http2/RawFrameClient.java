package dev.weft.http2;

import com.twitter.hpack.Decoder;
import com.twitter.hpack.Encoder;
import dev.weft.http2.core.Frame;
import dev.weft.http2.core.FrameReader;
import dev.weft.http2.core.FrameWriter;
import dev.weft.http2.core.Http2Exception;
import dev.weft.http2.core.ServerConnection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client that writes raw frames over a real socket and reads the server's frames back, for
 * conformance tests of the whole session (h2spec style). One test thread.
 */
final class RawFrameClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final FrameReader reader = new FrameReader(FrameReader.MAX_MAX_FRAME_SIZE);
    private final Encoder encoder = new Encoder(4096);
    private final Decoder decoder = new Decoder(1 << 20, 4096);
    private final ByteBuffer pending = ByteBuffer.allocate(1 << 20).flip();
    private final Map<Frame.Headers, Map<String, String>> decoded = new java.util.IdentityHashMap<>();

    RawFrameClient(int port) throws IOException {
        this(connect(port));
    }

    /** @param socket connected (cleartext, or TLS with ALPN h2 done), with a read timeout */
    RawFrameClient(Socket socket) throws IOException {
        this.socket = socket;
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Preface and SETTINGS (the given ones), then reads up to the server's SETTINGS ACK. */
    RawFrameClient handshake(Frame.Setting... settings) throws IOException {
        out.write(ServerConnection.PREFACE);
        send(new Frame.Settings(false, List.of(settings)));
        Frame frame;
        while (!((frame = next()) instanceof Frame.Settings s && s.ack())) {
            if (frame instanceof Frame.Settings s && !s.ack()) {
                send(new Frame.Settings(true, List.of()));
            }
        }
        return this;
    }

    void send(Frame frame) throws IOException {
        ByteBuffer bytes = FrameWriter.encodeToBuffer(frame);
        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Frame.Headers request(int streamId, boolean endStream, String method, String path, String... extra) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        String[] pseudo = {":method", method, ":scheme", "http", ":authority", "localhost", ":path", path};
        for (String[] fields : List.of(pseudo, extra)) {
            for (int i = 0; i < fields.length; i += 2) {
                encoder.encodeHeader(block, fields[i].getBytes(StandardCharsets.ISO_8859_1),
                        fields[i + 1].getBytes(StandardCharsets.ISO_8859_1), false);
            }
        }
        Frame.Headers headers = new Frame.Headers(streamId, ByteBuffer.wrap(block.toByteArray()), endStream, true, null, 0);
        send(headers);
        return headers;
    }

    /** @return the next frame, or null at end of stream; fails on a read timeout */
    Frame next() throws IOException {
        while (true) {
            try {
                Frame frame = reader.next(pending);
                if (frame instanceof Frame.Headers headers) {
                    // Decode every block as it arrives: the HPACK table must follow the server's.
                    decoded.put(headers, decodeNow(headers));
                }
                if (frame != null) {
                    return frame;
                }
            } catch (Http2Exception e) {
                throw new IOException("server sent a bad frame: " + e);
            }
            byte[] buffer = new byte[16_384];
            int read;
            try {
                read = in.read(buffer);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no frame from the server within 5 s");
            }
            if (read < 0) {
                return null;
            }
            ByteBuffer more = ByteBuffer.allocate(pending.remaining() + read);
            more.put(pending).put(buffer, 0, read).flip();
            pending.clear();
            pending.put(more).flip();
        }
    }

    /** @return the next frame that is not a WINDOW_UPDATE, PING ACK or SETTINGS ACK */
    Frame nextSignificant() throws IOException {
        Frame frame;
        do {
            frame = next();
        } while (frame instanceof Frame.WindowUpdate || (frame instanceof Frame.Settings s && s.ack())
                || (frame instanceof Frame.Ping p && p.ack()));
        return frame;
    }

    /** @return the decoded fields of a header block received by {@link #next()} */
    Map<String, String> decode(Frame.Headers headers) {
        return decoded.get(headers);
    }

    private Map<String, String> decodeNow(Frame.Headers headers) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        byte[] block = new byte[headers.fragment().remaining()];
        headers.fragment().duplicate().get(block);
        decoder.decode(new ByteArrayInputStream(block), (name, value, sensitive) ->
                fields.put(new String(name, StandardCharsets.ISO_8859_1), new String(value, StandardCharsets.ISO_8859_1)));
        decoder.endHeaderBlock();
        return fields;
    }

    /** @return whether the server closed (EOF) after at most a few more frames */
    boolean closedByServer() throws IOException {
        for (int i = 0; i < 100; i++) {
            try {
                if (next() == null) {
                    return true;
                }
            } catch (IOException e) {
                return true; // reset by the server
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
