package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.FLOW_CONTROL_ERROR;
import static dev.weft.http2.core.ErrorCode.PROTOCOL_ERROR;
import static dev.weft.http2.core.ErrorCode.STREAM_CLOSED;
import static dev.weft.http2.core.Http2Exception.connection;
import static dev.weft.http2.core.Http2Exception.stream;

import dev.weft.http2.Http2Settings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The server side of one HTTP/2 connection as a sans-IO state machine (RFC 9113): bytes in
 * through {@link #receive}, {@link Http2Event}s out through {@link #pollEvents}, bytes to send
 * through {@link #pollOutput}; the driver's commands ({@link #sendHeaders}, {@link #sendData},
 * {@link #dataConsumed}, ...) queue more output. No sockets, threads or clocks.
 *
 * <p>This class reads frames and handles the connection-level ones (SETTINGS, PING, GOAWAY,
 * WINDOW_UPDATE, RST_STREAM, DATA); its parts own the rest: {@link StreamTable} the stream states
 * (§5.1) and ids, {@link InboundHeaders} header blocks (assembly, HPACK decode, validation),
 * {@link OutboundFrames} the output queue, the encoder and the send windows.
 *
 * <p>Defences (issue 8) are the {@link Http2Settings.Limits}: each trips GOAWAY
 * ENHANCE_YOUR_CALM.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread, and so are its
 * parts, which only it calls.
 */
public final class ServerConnection {
    /** RFC 9113 §3.4: the client connection preface. */
    public static final byte[] PREFACE = PrefaceReader.PREFACE.clone();

    private final Http2Settings settings;
    private final FrameReader reader;
    private final List<Http2Event> events = new ArrayList<>();
    private final FloodGuard guard;
    private final StreamTable streams;
    private final OutboundFrames out;
    private final InboundHeaders headers;
    private final InboundWindow connectionReceiveWindow;
    private final PrefaceReader prefaceReader = new PrefaceReader();
    private Phase phase = Phase.PREFACE;
    private boolean peerSettingsSeen;
    private boolean peerGoAway;
    /** Complete frames taken in outside a header block, plus finished header blocks (slowloris watch). */
    private long inputProgress;

    /**
     * A connection whose clock never moves: the reset budget never refills (tests, fuzzing).
     *
     * @param settings what we advertise and enforce
     */
    public ServerConnection(Http2Settings settings) {
        this(settings, () -> 0L);
    }

    /**
     * @param settings what we advertise and enforce
     * @param nanoClock the driver's monotonic clock in nanoseconds ({@code System::nanoTime}); read
     *     only to refill the reset budget, so the core stays free of real time in tests
     */
    public ServerConnection(Http2Settings settings, LongSupplier nanoClock) {
        this.settings = settings;
        this.reader = new FrameReader(settings.maxFrameSize());
        this.guard = new FloodGuard(settings.limits(), nanoClock);
        this.streams = new StreamTable(Http2Settings.RFC_INITIAL_WINDOW_SIZE, settings.initialWindowSize());
        this.out = new OutboundFrames(streams, guard, this::fail);
        this.headers = new InboundHeaders(settings, streams, out, guard, events, this::spendResetBudget);
        this.connectionReceiveWindow = new InboundWindow(Http2Settings.RFC_INITIAL_WINDOW_SIZE, settings.connectionWindowSize());
    }

    private enum Phase { PREFACE, FRAMES, FAILED }

    // ---------------------------------------------------------------- input

    /**
     * Takes in bytes from the peer. Errors never escape: a stream error queues RST_STREAM and an
     * event, a connection error queues GOAWAY and {@link Http2Event.ConnectionFailed}.
     */
    public void receive(ByteBuffer in) {
        while (in.hasRemaining() && phase != Phase.FAILED) {
            if (phase == Phase.PREFACE) {
                switch (prefaceReader.read(in)) {
                    case NEED_MORE -> {
                        return;
                    }
                    case PREFACE -> {
                        phase = Phase.FRAMES;
                        sendPreface();
                    }
                    case HTTP1 -> {
                        phase = Phase.FAILED;
                        out.stopped = true;
                        events.add(new Http2Event.Http1Detected());
                    }
                    case INVALID -> fail(PROTOCOL_ERROR, "invalid connection preface");
                }
                continue;
            }
            try {
                Frame frame = reader.next(in);
                if (frame == null) {
                    return;
                }
                onFrame(frame);
                if (!headers.isOpen()) {
                    inputProgress++;
                }
            } catch (Http2Exception e) {
                switch (e) {
                    case StreamError streamError -> {
                        resetOnError(streamError);
                        inputProgress++; // the frame was taken in whole, even if refused
                    }
                    case ConnectionError connectionError -> fail(connectionError.code(), connectionError.getMessage());
                }
            }
        }
    }

    private void sendPreface() {
        List<Frame.Setting> ours = List.of(
                new Frame.Setting(SettingId.ENABLE_PUSH.code(), 0),
                new Frame.Setting(SettingId.MAX_CONCURRENT_STREAMS.code(), settings.maxConcurrentStreams()),
                new Frame.Setting(SettingId.INITIAL_WINDOW_SIZE.code(), settings.initialWindowSize()),
                new Frame.Setting(SettingId.MAX_FRAME_SIZE.code(), settings.maxFrameSize()),
                new Frame.Setting(SettingId.MAX_HEADER_LIST_SIZE.code(), settings.maxHeaderListSize()));
        out.emit(new Frame.Settings(false, ours));
        int opening = settings.connectionWindowSize() - Http2Settings.RFC_INITIAL_WINDOW_SIZE;
        if (opening > 0) {
            connectionReceiveWindow.grow(opening);
            out.emit(new Frame.WindowUpdate(0, opening));
        }
    }

    private void onFrame(Frame frame) throws Http2Exception {
        if (!peerSettingsSeen && !(frame instanceof Frame.Settings s && !s.ack())) {
            throw connection(PROTOCOL_ERROR, "the first frame after the preface must be SETTINGS");
        }
        if (headers.isOpen() && !(frame instanceof Frame.Continuation)) {
            throw connection(PROTOCOL_ERROR, "%s while a header block of stream %d is open",
                    frame.getClass().getSimpleName(), headers.openStreamId());
        }
        switch (frame) {
            case Frame.Data data -> onData(data);
            case Frame.Headers h -> headers.onHeaders(h);
            case Frame.Continuation continuation -> headers.onContinuation(continuation);
            case Frame.Priority priority -> {
                // Deprecated scheme (§5.3.2): parsed, checked, otherwise ignored; no state kept.
                if (priority.priority().dependency() == priority.streamId()) {
                    throw stream(priority.streamId(), PROTOCOL_ERROR, "stream %d depends on itself", priority.streamId());
                }
            }
            case Frame.RstStream rst -> onRstStream(rst);
            case Frame.Settings s -> onSettings(s);
            case Frame.PushPromise push -> throw connection(PROTOCOL_ERROR, "clients cannot send PUSH_PROMISE");
            case Frame.Ping ping -> {
                if (!ping.ack()) {
                    out.emitControl(new Frame.Ping(true, ping.opaqueData()));
                }
            }
            case Frame.GoAway goAway -> {
                peerGoAway = true;
                events.add(new Http2Event.GoAwayReceived(goAway.lastStreamId(), goAway.errorCode(),
                        StandardCharsets.UTF_8.decode(goAway.debugData()).toString()));
            }
            case Frame.WindowUpdate update -> onWindowUpdate(update);
            case Frame.Unknown unknown -> {
                // §5.5: extension frames are ignored.
            }
        }
    }

    private void onSettings(Frame.Settings frame) throws Http2Exception {
        if (frame.ack()) {
            return;
        }
        peerSettingsSeen = true;
        for (Frame.Setting setting : frame.settings()) {
            SettingId id = SettingId.of(setting.id());
            if (id == null) {
                continue;
            }
            switch (id) {
                case HEADER_TABLE_SIZE -> out.encoder().peerTableSize(setting.value());
                case INITIAL_WINDOW_SIZE -> {
                    long delta = setting.value() - streams.peerInitialWindowSize;
                    streams.peerInitialWindowSize = setting.value();
                    for (StreamTable.Stream s : streams.values()) {
                        if (!s.sendWindow.add(delta)) {
                            throw connection(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows stream %d", s.id);
                        }
                    }
                    if (delta > 0) {
                        events.add(new Http2Event.WindowOpened(0));
                    }
                }
                case MAX_FRAME_SIZE -> out.peerMaxFrameSize = (int) setting.value();
                case ENABLE_PUSH, MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE -> {
                    // We never push, never open streams, and keep response headers small.
                }
            }
        }
        out.emitControl(new Frame.Settings(true, List.of()));
    }

    private void onWindowUpdate(Frame.WindowUpdate update) throws Http2Exception {
        int id = update.streamId();
        if (id == 0) {
            if (update.increment() == 0) {
                throw connection(PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0 on the connection");
            }
            if (!out.connectionSendWindow().add(update.increment())) {
                throw connection(FLOW_CONTROL_ERROR, "connection send window exceeds 2^31-1");
            }
            events.add(new Http2Event.WindowOpened(0));
            return;
        }
        if (streams.isIdle(id)) {
            throw connection(PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream %d", id);
        }
        if (update.increment() == 0) {
            throw stream(id, PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0");
        }
        StreamTable.Stream s = streams.get(id);
        if (s == null) {
            return; // §6.9: a closed stream's late update is harmless
        }
        if (!s.sendWindow.add(update.increment())) {
            throw stream(id, FLOW_CONTROL_ERROR, "stream send window exceeds 2^31-1");
        }
        events.add(new Http2Event.WindowOpened(id));
    }

    private void onRstStream(Frame.RstStream rst) throws Http2Exception {
        int id = rst.streamId();
        StreamTable.Stream s = streams.remove(id);
        if (s == null) {
            if (streams.isIdle(id)) {
                throw connection(PROTOCOL_ERROR, "RST_STREAM on idle stream %d", id);
            }
            return;
        }
        streams.remember(id, StreamTable.ClosedBy.PEER_RESET);
        ErrorCode code = ErrorCode.of(rst.errorCode());
        events.add(new Http2Event.StreamReset(id, code == null ? ErrorCode.INTERNAL_ERROR : code, true));
        spendResetBudget();
    }

    private void onData(Frame.Data data) throws Http2Exception {
        int id = data.streamId();
        int length = data.flowControlledLength();
        if (!connectionReceiveWindow.receive(length)) {
            throw connection(FLOW_CONTROL_ERROR, "DATA of %d octets exceeds the connection window %d", length,
                    connectionReceiveWindow.window());
        }
        guard.dataFrame(length == 0 && !data.endStream());
        StreamTable.Stream s = streams.get(id);
        if (s == null || !s.remoteOpen()) {
            // Discarded octets go back to the connection window at once.
            creditConnection(length);
            if (s == null && streams.isIdle(id)) {
                throw connection(PROTOCOL_ERROR, "DATA on idle stream %d", id);
            }
            if (s == null && streams.closedBy(id) == StreamTable.ClosedBy.WE_RESET) {
                return; // §5.1: frames in flight after our RST_STREAM are ignored
            }
            throw stream(id, STREAM_CLOSED, "DATA on stream %d after its END_STREAM or reset", id);
        }
        if (!s.receiveWindow.receive(length)) {
            creditConnection(length);
            throw stream(id, FLOW_CONTROL_ERROR, "DATA of %d octets exceeds the stream window", length);
        }
        if (data.padding() > 0) {
            dataConsumed(id, data.padding());
        }
        s.received += data.data().remaining();
        if (s.contentLength >= 0 && (s.received > s.contentLength || (data.endStream() && s.received != s.contentLength))) {
            throw stream(id, PROTOCOL_ERROR, "DATA length %d does not match content-length %d", s.received, s.contentLength);
        }
        if (data.endStream()) {
            streams.endRemote(s);
        }
        events.add(new Http2Event.RequestData(id, data.data(), data.endStream()));
    }

    private void resetOnError(StreamError e) {
        int id = e.streamId();
        if (id > streams.highestPeerStreamId && (id & 1) == 1) {
            streams.highestPeerStreamId = id; // a refused or malformed new stream still uses up its id
        }
        StreamTable.Stream s = streams.remove(id);
        streams.remember(id, StreamTable.ClosedBy.WE_RESET);
        out.emitControl(new Frame.RstStream(id, e.code().code()));
        if (s != null) {
            events.add(new Http2Event.StreamReset(id, e.code(), false));
        } else if (e.code() == ErrorCode.REFUSED_STREAM) {
            events.add(new Http2Event.StreamRefused(id, settings.maxConcurrentStreams()));
        }
        spendResetBudget();
    }

    private void spendResetBudget() {
        try {
            guard.streamReset();
        } catch (ConnectionError e) {
            fail(e.code(), e.getMessage());
        }
    }

    private void fail(ErrorCode code, String reason) {
        if (phase == Phase.FAILED) {
            return;
        }
        phase = Phase.FAILED;
        out.stopped = true;
        out.emit(new Frame.GoAway(streams.highestPeerStreamId, code.code(),
                ByteBuffer.wrap(reason.getBytes(StandardCharsets.UTF_8))));
        events.add(new Http2Event.ConnectionFailed(code, reason));
    }

    // ---------------------------------------------------------------- commands

    /**
     * Encodes and queues a header block (HEADERS + CONTINUATION split to the peer's frame size),
     * back to back: nothing else can come between them because both happen here, on the loop.
     *
     * @return false if the stream is gone (reset) and nothing was sent
     */
    public boolean sendHeaders(int streamId, List<HeaderField> fields, boolean endStream) {
        return out.sendHeaders(streamId, fields, endStream);
    }

    /** @return octets of DATA that may be sent on the stream now (0 if it is gone or blocked) */
    public int sendWindow(int streamId) {
        return out.sendWindow(streamId);
    }

    /** @return the peer's SETTINGS_MAX_FRAME_SIZE */
    public int peerMaxFrameSize() {
        return out.peerMaxFrameSize;
    }

    /** @return whether the stream is live and its response not yet ended */
    public boolean canSend(int streamId) {
        return out.sendable(streamId) != null;
    }

    /**
     * Queues DATA frames carrying {@code data} (split to the peer's frame size), taking it from
     * the windows. An empty buffer with {@code endStream} sends one empty DATA frame.
     *
     * @return false if the stream is gone and nothing was sent
     * @throws IllegalArgumentException if {@code data} exceeds {@link #sendWindow}
     */
    public boolean sendData(int streamId, ByteBuffer data, boolean endStream) {
        return out.sendData(streamId, data, endStream);
    }

    /**
     * Queues only the 9-octet header of a DATA frame whose payload the driver writes next itself
     * (a file region sent zero-copy), taking the length from the windows.
     *
     * @return false if the stream is gone and nothing was queued
     * @throws IllegalArgumentException if {@code length} exceeds the send window or frame size
     */
    public boolean sendDataHeader(int streamId, int length, boolean endStream) {
        return out.sendDataHeader(streamId, length, endStream);
    }

    /** Queues trailers: a final HEADERS with END_STREAM. @return false if the stream is gone */
    public boolean sendTrailers(int streamId, List<HeaderField> trailers) {
        return sendHeaders(streamId, trailers, true);
    }

    /** Resets a stream from our side (the handler failed after its headers, or gave up). */
    public void resetStream(int streamId, ErrorCode code) {
        out.resetStream(streamId, code);
    }

    /**
     * The driver consumed (or discarded) request data: credit it back to the peer, per the
     * policy of {@link InboundWindow}.
     */
    public void dataConsumed(int streamId, int octets) {
        if (octets <= 0 || phase == Phase.FAILED) {
            return;
        }
        creditConnection(octets);
        StreamTable.Stream s = streams.get(streamId);
        if (s != null && s.remoteOpen()) {
            int increment = s.receiveWindow.consumed(octets);
            if (increment > 0) {
                out.emit(new Frame.WindowUpdate(streamId, increment));
            }
        }
    }

    private void creditConnection(int octets) {
        if (octets <= 0) {
            return;
        }
        int increment = connectionReceiveWindow.consumed(octets);
        if (increment > 0) {
            out.emit(new Frame.WindowUpdate(0, increment));
        }
    }

    /**
     * Starts a graceful goodbye (§6.8): GOAWAY with the last stream we accepted; later streams are
     * ignored, open ones may finish.
     */
    public void goAway(ErrorCode code, String debug) {
        if (phase == Phase.FAILED || streams.goAwayLastStreamId >= 0) {
            return;
        }
        streams.goAwayLastStreamId = streams.highestPeerStreamId;
        out.emit(new Frame.GoAway(streams.goAwayLastStreamId, code.code(),
                ByteBuffer.wrap(debug.getBytes(StandardCharsets.UTF_8))));
    }

    /** The peer has been reading: control frames queued so far no longer count (issue 8). */
    public void controlFramesDrained() {
        guard.peerIsReading();
    }

    // ---------------------------------------------------------------- state for the driver

    /**
     * @return a counter that moves whenever a frame completes outside a header block or a header
     *     block completes; the driver's slowloris watch compares it over time
     */
    public long inputProgress() {
        return inputProgress;
    }

    /** @return whether a frame or a header block has been started and not finished */
    public boolean isInputIncomplete() {
        return phase == Phase.FRAMES && (headers.isOpen() || reader.isMidFrame());
    }

    /**
     * @return a number that identifies the header block being received, or -1 if none is open:
     *     the driver times out a block that stays open too long (slowloris)
     */
    public long openHeaderBlock() {
        return headers.openBlock();
    }

    /** Ends the connection from the driver's side (a timeout): GOAWAY with {@code code}. */
    public void abandon(ErrorCode code, String reason) {
        fail(code, reason);
    }

    /** @return DATA payload octets received on the stream so far, or -1 if it is not live */
    public long dataReceived(int streamId) {
        StreamTable.Stream s = streams.get(streamId);
        return s == null ? -1 : s.received;
    }

    /** @return DATA octets sent on the stream so far, or -1 if it is not live */
    public long dataSent(int streamId) {
        StreamTable.Stream s = streams.get(streamId);
        return s == null ? -1 : s.sendWindow.taken();
    }

    /**
     * @return whether the peer is free to send request data on the stream now: the stream is open
     *     on its side and both receive windows have room (a handler that does not read closes them)
     */
    public boolean peerMaySend(int streamId) {
        StreamTable.Stream s = streams.get(streamId);
        return s != null && s.remoteOpen() && s.receiveWindow.window() > 0 && connectionReceiveWindow.window() > 0;
    }

    /** @return streams open now */
    public int activeStreams() {
        return streams.size();
    }

    /** @return whether the client preface and SETTINGS have been received */
    public boolean isEstablished() {
        return phase == Phase.FRAMES && peerSettingsSeen;
    }

    /** @return whether a connection error ended this connection (or HTTP/1 was detected) */
    public boolean isFailed() {
        return phase == Phase.FAILED;
    }

    /** @return whether we sent a graceful GOAWAY or the peer sent one */
    public boolean isGoingAway() {
        return streams.goAwayLastStreamId >= 0 || peerGoAway;
    }

    /** @return the events since the last call, in order */
    public List<Http2Event> pollEvents() {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Http2Event> taken = List.copyOf(events);
        events.clear();
        return taken;
    }

    /** @return the next buffer to send, or {@code null} if none is queued */
    public ByteBuffer pollOutput() {
        return out.poll();
    }

    /** @return whether output is queued */
    public boolean hasOutput() {
        return !out.isEmpty();
    }
}
