package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.twitter.hpack.Encoder;
import dev.weft.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A client peer scripted frame by frame against a {@link ServerConnection} (OkHttp's
 * MockHttp2Peer idea, without sockets): it writes frames with {@link FrameWriter}, encodes
 * header blocks with its own HPACK encoder, and reads the server's output back into frames.
 */
final class ScriptedPeer {
    final ServerConnection server;
    private final Encoder encoder = new Encoder(4096);
    private final FrameReader reader = new FrameReader(FrameReader.MAX_MAX_FRAME_SIZE);
    final List<Http2Event> events = new ArrayList<>();
    /** The server's clock: moves only when the script says so ({@link #advance}). */
    private long nanos;

    ScriptedPeer(Http2Settings settings) {
        server = new ServerConnection(settings, () -> nanos);
    }

    /** Moves the server's clock forward. */
    void advance(Duration duration) {
        nanos += duration.toNanos();
    }

    ScriptedPeer() {
        this(Http2Settings.defaults());
    }

    /** Preface + empty SETTINGS, then drops the server's SETTINGS / WINDOW_UPDATE / ACK. */
    ScriptedPeer handshake() {
        sendBytes(ServerConnection.PREFACE);
        send(new Frame.Settings(false, List.of()));
        List<Frame> frames = frames();
        assertInstanceOf(Frame.Settings.class, frames.get(0));
        assertTrue(frames.stream().anyMatch(f -> f instanceof Frame.Settings s && s.ack()), "SETTINGS ACK expected");
        return this;
    }

    void sendBytes(byte[] bytes) {
        server.receive(ByteBuffer.wrap(bytes));
        events.addAll(server.pollEvents());
    }

    void send(Frame... frames) {
        for (Frame frame : frames) {
            server.receive(FrameWriter.encodeToBuffer(frame));
            events.addAll(server.pollEvents());
        }
    }

    /** @return an HPACK block of name, value, ... */
    byte[] block(String... namesAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (int i = 0; i < namesAndValues.length; i += 2) {
                encoder.encodeHeader(out, namesAndValues[i].getBytes(StandardCharsets.ISO_8859_1),
                        namesAndValues[i + 1].getBytes(StandardCharsets.ISO_8859_1), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String[] get(String path, String... extra) {
        List<String> all = new ArrayList<>(List.of(":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", path));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    static String[] post(String path, String... extra) {
        String[] fields = get(path, extra);
        fields[1] = "POST";
        return fields;
    }

    Frame.Headers headers(int streamId, boolean endStream, String... namesAndValues) {
        return new Frame.Headers(streamId, ByteBuffer.wrap(block(namesAndValues)), endStream, true, null, 0);
    }

    static Frame.Data data(int streamId, String text, boolean endStream) {
        return Frame.Data.of(streamId, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), endStream);
    }

    /** @return everything the server queued, as bytes */
    byte[] outputBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer next;
        while ((next = server.pollOutput()) != null) {
            byte[] bytes = new byte[next.remaining()];
            next.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** @return the server's queued output parsed into frames */
    List<Frame> frames() {
        ByteBuffer bytes = ByteBuffer.wrap(outputBytes());
        List<Frame> frames = new ArrayList<>();
        try {
            Frame frame;
            while ((frame = reader.next(bytes)) != null) {
                frames.add(frame);
            }
        } catch (Http2Exception e) {
            fail("server wrote a bad frame: " + e);
        }
        return frames;
    }

    /** Asserts the server answered with GOAWAY {@code code} and reported the failure. */
    Frame.GoAway expectGoAway(ErrorCode code) {
        List<Frame> frames = frames();
        Frame.GoAway goAway = frames.stream().filter(Frame.GoAway.class::isInstance).map(Frame.GoAway.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no GOAWAY in " + frames));
        assertEquals(code.code(), goAway.errorCode(), () -> "GOAWAY " + ErrorCode.describe(goAway.errorCode()) + ": "
                + StandardCharsets.UTF_8.decode(goAway.debugData().duplicate()));
        assertTrue(server.isFailed());
        assertTrue(events.stream().anyMatch(e -> e instanceof Http2Event.ConnectionFailed f && f.code() == code));
        return goAway;
    }

    /** Asserts the server reset {@code streamId} with {@code code} and keeps the connection. */
    void expectReset(int streamId, ErrorCode code) {
        List<Frame> frames = frames();
        assertTrue(frames.contains(new Frame.RstStream(streamId, code.code())), () -> "no RST_STREAM " + code + " in " + frames);
        assertTrue(!server.isFailed(), "connection must stay up");
    }

    /** Asserts the server is alive: a PING gets its ACK. */
    void expectAlive() {
        frames();
        send(new Frame.Ping(false, 42));
        assertEquals(List.of(new Frame.Ping(true, 42)), frames());
    }

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replace(" ", ""));
    }

    @SuppressWarnings("unchecked")
    <T extends Http2Event> List<T> events(Class<T> type) {
        return (List<T>) events.stream().filter(type::isInstance).toList();
    }
}
