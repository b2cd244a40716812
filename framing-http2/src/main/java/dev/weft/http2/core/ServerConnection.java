package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.FLOW_CONTROL_ERROR;
import static dev.weft.http2.core.ErrorCode.PROTOCOL_ERROR;
import static dev.weft.http2.core.ErrorCode.STREAM_CLOSED;
import static dev.weft.http2.core.Http2Exception.connection;
import static dev.weft.http2.core.Http2Exception.stream;

import dev.weft.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server side of one HTTP/2 connection as a sans-IO state machine (RFC 9113): bytes in
 * through {@link #receive}, {@link Http2Event}s out through {@link #pollEvents}, bytes to send
 * through {@link #pollOutput}; the driver's commands ({@link #sendHeaders}, {@link #sendData},
 * {@link #dataConsumed}, ...) queue more output. No sockets, threads or clocks.
 *
 * <p>Stream states (§5.1) as seen by a server that never pushes: a client stream is idle until
 * its HEADERS, then OPEN (or HALF_CLOSED_REMOTE if they carried END_STREAM), HALF_CLOSED_LOCAL
 * once our END_STREAM went, and closed when both sides ended or either reset it. Closed streams
 * are remembered (a bounded number) so that late frames get the answer §5.1 asks for.
 *
 * <p>Defences (issue 8) are the {@link Http2Settings.Limits}: each trips GOAWAY
 * ENHANCE_YOUR_CALM.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread.
 */
public final class ServerConnection {
    /** RFC 9113 §3.4: the client connection preface. */
    public static final byte[] PREFACE = PrefaceReader.PREFACE.clone();
    /** Closed streams remembered for §5.1's answers to late frames. */
    private static final int CLOSED_STREAMS_REMEMBERED = 256;
    private static final int HEADER_TABLE_SIZE = 4096;

    private final Http2Settings settings;
    private final FrameReader reader;
    private final HeaderBlockDecoder decoder;
    private final HeaderBlockEncoder encoder = new HeaderBlockEncoder();
    private final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
    private final List<Http2Event> events = new ArrayList<>();
    private final Map<Integer, Stream> streams = new HashMap<>();
    private final Map<Integer, ClosedBy> closedStreams = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, ClosedBy> eldest) {
            return size() > CLOSED_STREAMS_REMEMBERED;
        }
    };
    private final InboundWindow connectionReceiveWindow;
    private final OutboundWindow connectionSendWindow = new OutboundWindow(Http2Settings.RFC_INITIAL_WINDOW_SIZE);

    private final PrefaceReader prefaceReader = new PrefaceReader();
    private final FloodGuard guard;
    private Phase phase = Phase.PREFACE;
    private boolean peerSettingsSeen;
    /** Highest client stream id seen on HEADERS; every lower idle id is closed by §5.1.1. */
    private int highestPeerStreamId;
    /** Last stream id in our GOAWAY, or -1 before we sent one: higher new streams are ignored. */
    private int goAwayLastStreamId = -1;
    private boolean peerGoAway;
    private long peerInitialWindowSize = Http2Settings.RFC_INITIAL_WINDOW_SIZE;
    private int peerMaxFrameSize = FrameReader.MIN_MAX_FRAME_SIZE;
    private HeaderBlock pendingBlock;
    private long headerBlocksStarted;
    /** Complete frames taken in outside a header block, plus finished header blocks (slowloris watch). */
    private long inputProgress;

    /** @param settings what we advertise and enforce */
    public ServerConnection(Http2Settings settings) {
        this.settings = settings;
        this.reader = new FrameReader(settings.maxFrameSize());
        this.decoder = new HeaderBlockDecoder(settings.maxHeaderListSize(), HEADER_TABLE_SIZE);
        this.connectionReceiveWindow = new InboundWindow(Http2Settings.RFC_INITIAL_WINDOW_SIZE, settings.connectionWindowSize());
        this.guard = new FloodGuard(settings.limits());
    }

    private enum Phase { PREFACE, FRAMES, FAILED }

    private enum StreamState { OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL }

    private enum ClosedBy { PEER_RESET, WE_RESET, FINISHED }

    /** One live stream. Owned by the loop thread, like everything here. */
    private static final class Stream {
        final int id;
        StreamState state;
        final OutboundWindow sendWindow;
        final InboundWindow receiveWindow;
        final long contentLength;
        long received;
        /** Answered 431 without being served: closing it earns no reset budget back (HPACK bomb). */
        boolean rejected;

        Stream(int id, StreamState state, long sendWindow, int receiveWindow, long contentLength) {
            this.id = id;
            this.state = state;
            this.sendWindow = new OutboundWindow(sendWindow);
            this.receiveWindow = new InboundWindow(receiveWindow, receiveWindow);
            this.contentLength = contentLength;
        }

        boolean remoteOpen() {
            return state != StreamState.HALF_CLOSED_REMOTE;
        }
    }

    /** A header block being assembled from HEADERS + CONTINUATION. */
    private static final class HeaderBlock {
        final int streamId;
        final boolean endStream;
        final Frame.PriorityInfo priority;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int frames = 1;

        HeaderBlock(int streamId, boolean endStream, Frame.PriorityInfo priority) {
            this.streamId = streamId;
            this.endStream = endStream;
            this.priority = priority;
        }
    }

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
                if (pendingBlock == null) {
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
        emit(new Frame.Settings(false, ours));
        int opening = settings.connectionWindowSize() - Http2Settings.RFC_INITIAL_WINDOW_SIZE;
        if (opening > 0) {
            connectionReceiveWindow.grow(opening);
            emit(new Frame.WindowUpdate(0, opening));
        }
    }

    private void onFrame(Frame frame) throws Http2Exception {
        if (!peerSettingsSeen && !(frame instanceof Frame.Settings s && !s.ack())) {
            throw connection(PROTOCOL_ERROR, "the first frame after the preface must be SETTINGS");
        }
        if (pendingBlock != null && !(frame instanceof Frame.Continuation)) {
            throw connection(PROTOCOL_ERROR, "%s while a header block of stream %d is open",
                    frame.getClass().getSimpleName(), pendingBlock.streamId);
        }
        switch (frame) {
            case Frame.Data data -> onData(data);
            case Frame.Headers headers -> onHeaders(headers);
            case Frame.Continuation continuation -> onContinuation(continuation);
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
                    emitControl(new Frame.Ping(true, ping.opaqueData()));
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
                case HEADER_TABLE_SIZE -> encoder.peerTableSize(setting.value());
                case INITIAL_WINDOW_SIZE -> {
                    long delta = setting.value() - peerInitialWindowSize;
                    peerInitialWindowSize = setting.value();
                    for (Stream s : streams.values()) {
                        if (!s.sendWindow.add(delta)) {
                            throw connection(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows stream %d", s.id);
                        }
                    }
                    if (delta > 0) {
                        events.add(new Http2Event.WindowOpened(0));
                    }
                }
                case MAX_FRAME_SIZE -> peerMaxFrameSize = (int) setting.value();
                case ENABLE_PUSH, MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE -> {
                    // We never push, never open streams, and keep response headers small.
                }
            }
        }
        emitControl(new Frame.Settings(true, List.of()));
    }

    private void onWindowUpdate(Frame.WindowUpdate update) throws Http2Exception {
        int id = update.streamId();
        if (id == 0) {
            if (update.increment() == 0) {
                throw connection(PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0 on the connection");
            }
            if (!connectionSendWindow.add(update.increment())) {
                throw connection(FLOW_CONTROL_ERROR, "connection send window exceeds 2^31-1");
            }
            events.add(new Http2Event.WindowOpened(0));
            return;
        }
        if (isIdle(id)) {
            throw connection(PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream %d", id);
        }
        if (update.increment() == 0) {
            throw stream(id, PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0");
        }
        Stream s = streams.get(id);
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
        Stream s = streams.remove(id);
        if (s == null) {
            if (isIdle(id)) {
                throw connection(PROTOCOL_ERROR, "RST_STREAM on idle stream %d", id);
            }
            return;
        }
        closedStreams.put(id, ClosedBy.PEER_RESET);
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
        Stream s = streams.get(id);
        if (s == null || !s.remoteOpen()) {
            // Discarded octets go back to the connection window at once.
            creditConnection(length);
            if (s == null && isIdle(id)) {
                throw connection(PROTOCOL_ERROR, "DATA on idle stream %d", id);
            }
            if (s == null && closedStreams.get(id) == ClosedBy.WE_RESET) {
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
            endRemote(s);
        }
        events.add(new Http2Event.RequestData(id, data.data(), data.endStream()));
    }

    private void onHeaders(Frame.Headers headers) throws Http2Exception {
        int id = headers.streamId();
        if ((id & 1) == 0) {
            throw connection(PROTOCOL_ERROR, "client opened even stream %d", id);
        }
        pendingBlock = new HeaderBlock(id, headers.endStream(), headers.priority());
        headerBlocksStarted++;
        appendFragment(headers.fragment());
        if (headers.endHeaders()) {
            finishBlock();
        }
    }

    private void onContinuation(Frame.Continuation continuation) throws Http2Exception {
        if (pendingBlock == null || pendingBlock.streamId != continuation.streamId()) {
            throw connection(PROTOCOL_ERROR, "CONTINUATION on stream %d without an open header block",
                    continuation.streamId());
        }
        guard.headerBlockFrames(++pendingBlock.frames);
        appendFragment(continuation.fragment());
        if (continuation.endHeaders()) {
            finishBlock();
        }
    }

    private void appendFragment(ByteBuffer fragment) throws ConnectionError {
        guard.headerBlockBytes(pendingBlock.bytes.size() + fragment.remaining());
        pendingBlock.bytes.write(fragment.array(), fragment.arrayOffset() + fragment.position(), fragment.remaining());
    }

    private void finishBlock() throws Http2Exception {
        HeaderBlock block = pendingBlock;
        pendingBlock = null;
        int id = block.streamId;
        // Always decode first: the dynamic table must follow the peer's encoder whatever happens next.
        HeaderBlockDecoder.Result decoded = decoder.decode(block.bytes.toByteArray());
        Stream s = streams.get(id);
        if (s != null) {
            if (!s.remoteOpen()) {
                throw stream(id, STREAM_CLOSED, "HEADERS on stream %d after its END_STREAM", id);
            }
            onTrailers(s, block, decoded);
            return;
        }
        if (id <= highestPeerStreamId) {
            ClosedBy closedBy = closedStreams.get(id);
            if (closedBy == ClosedBy.WE_RESET) {
                return; // trailers in flight after our RST_STREAM
            }
            if (closedBy != null) {
                throw connection(STREAM_CLOSED, "HEADERS on closed stream %d", id);
            }
            throw connection(PROTOCOL_ERROR, "stream id %d is not greater than %d", id, highestPeerStreamId);
        }
        highestPeerStreamId = id;
        if (goAwayLastStreamId >= 0) {
            closedStreams.put(id, ClosedBy.WE_RESET);
            return; // §6.8: streams above our GOAWAY's last id are ignored
        }
        if (block.priority != null && block.priority.dependency() == id) {
            throw stream(id, PROTOCOL_ERROR, "stream %d depends on itself", id);
        }
        if (streams.size() >= settings.maxConcurrentStreams()) {
            throw stream(id, ErrorCode.REFUSED_STREAM, "more than %d concurrent streams", settings.maxConcurrentStreams());
        }
        if (decoded.overLimit()) {
            rejectHeaderListTooLarge(id, block.endStream);
            return;
        }
        RequestHead head = MessageValidator.request(id, decoded.fields());
        if (block.endStream && head.contentLength() > 0) {
            throw stream(id, PROTOCOL_ERROR, "content-length %d but END_STREAM on HEADERS", head.contentLength());
        }
        Stream opened = new Stream(id, block.endStream ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN,
                peerInitialWindowSize, settings.initialWindowSize(), head.contentLength());
        streams.put(id, opened);
        events.add(new Http2Event.RequestStarted(id, head, block.endStream));
    }

    private void onTrailers(Stream s, HeaderBlock block, HeaderBlockDecoder.Result decoded) throws Http2Exception {
        if (!block.endStream) {
            throw stream(s.id, PROTOCOL_ERROR, "trailers without END_STREAM");
        }
        if (decoded.overLimit()) {
            throw stream(s.id, PROTOCOL_ERROR, "trailers exceed SETTINGS_MAX_HEADER_LIST_SIZE");
        }
        var trailers = MessageValidator.trailers(s.id, decoded.fields());
        if (s.contentLength >= 0 && s.received != s.contentLength) {
            throw stream(s.id, PROTOCOL_ERROR, "DATA length %d does not match content-length %d", s.received, s.contentLength);
        }
        endRemote(s);
        events.add(new Http2Event.RequestTrailers(s.id, trailers));
    }

    /** RFC 9113 §10.5.1 / RFC 6585: too-large headers get 431 and the request is not served. */
    private void rejectHeaderListTooLarge(int id, boolean requestEnded) {
        Stream rejected = new Stream(id, requestEnded ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN,
                peerInitialWindowSize, settings.initialWindowSize(), -1);
        rejected.rejected = true;
        streams.put(id, rejected);
        sendHeaders(id, List.of(new HeaderField(":status", "431"), new HeaderField("content-length", "0")), true);
        if (streams.containsKey(id)) {
            // §8.1: a complete response before the request ended; ask the peer to stop sending.
            resetStream(id, ErrorCode.NO_ERROR);
        }
        // HPACK bomb (CVE-2016-6581), zero-length headers (CVE-2019-9516): each rejected block
        // cost us a decode, so repeated ones spend the reset budget like any refused stream.
        spendResetBudget();
    }

    private void endRemote(Stream s) {
        if (s.state == StreamState.HALF_CLOSED_LOCAL) {
            close(s, ClosedBy.FINISHED);
        } else {
            s.state = StreamState.HALF_CLOSED_REMOTE;
        }
    }

    private void close(Stream s, ClosedBy how) {
        streams.remove(s.id);
        closedStreams.put(s.id, how);
        if (how == ClosedBy.FINISHED && !s.rejected) {
            guard.streamCompleted();
        }
    }

    private boolean isIdle(int id) {
        return (id & 1) == 0 || id > highestPeerStreamId;
    }

    private void resetOnError(StreamError e) {
        int id = e.streamId();
        if (id > highestPeerStreamId && (id & 1) == 1) {
            highestPeerStreamId = id; // a refused or malformed new stream still uses up its id
        }
        Stream s = streams.remove(id);
        closedStreams.put(id, ClosedBy.WE_RESET);
        emitControl(new Frame.RstStream(id, e.code().code()));
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
        emit(new Frame.GoAway(highestPeerStreamId, code.code(), ByteBuffer.wrap(reason.getBytes(StandardCharsets.UTF_8))));
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
        Stream s = streams.get(streamId);
        if (s == null || s.state == StreamState.HALF_CLOSED_LOCAL || phase == Phase.FAILED) {
            return false;
        }
        ByteBuffer block = ByteBuffer.wrap(encoder.encode(fields));
        boolean first = true;
        do {
            int take = Math.min(block.remaining(), peerMaxFrameSize);
            ByteBuffer fragment = block.slice(block.position(), take);
            block.position(block.position() + take);
            boolean last = !block.hasRemaining();
            emit(first ? new Frame.Headers(streamId, fragment, endStream, last, null, 0)
                    : new Frame.Continuation(streamId, fragment, last));
            first = false;
        } while (block.hasRemaining());
        if (endStream) {
            endLocal(s);
        }
        return true;
    }

    /** @return octets of DATA that may be sent on the stream now (0 if it is gone or blocked) */
    public int sendWindow(int streamId) {
        Stream s = streams.get(streamId);
        if (s == null || s.state == StreamState.HALF_CLOSED_LOCAL || phase == Phase.FAILED) {
            return 0;
        }
        return Math.min(s.sendWindow.available(), connectionSendWindow.available());
    }

    /** @return the peer's SETTINGS_MAX_FRAME_SIZE */
    public int peerMaxFrameSize() {
        return peerMaxFrameSize;
    }

    /** @return whether the stream is live and its response not yet ended */
    public boolean canSend(int streamId) {
        Stream s = streams.get(streamId);
        return s != null && s.state != StreamState.HALF_CLOSED_LOCAL && phase != Phase.FAILED;
    }

    /**
     * Queues DATA frames carrying {@code data} (split to the peer's frame size), taking it from
     * the windows. An empty buffer with {@code endStream} sends one empty DATA frame.
     *
     * @return false if the stream is gone and nothing was sent
     * @throws IllegalArgumentException if {@code data} exceeds {@link #sendWindow}
     */
    public boolean sendData(int streamId, ByteBuffer data, boolean endStream) {
        if (!canSend(streamId)) {
            return false;
        }
        Stream s = streams.get(streamId);
        int length = data.remaining();
        if (length > sendWindow(streamId)) {
            throw new IllegalArgumentException("DATA of " + length + " exceeds the send window " + sendWindow(streamId));
        }
        do {
            int take = Math.min(data.remaining(), peerMaxFrameSize);
            ByteBuffer chunk = data.slice(data.position(), take);
            data.position(data.position() + take);
            emit(Frame.Data.of(streamId, chunk, endStream && !data.hasRemaining()));
        } while (data.hasRemaining());
        s.sendWindow.take(length);
        connectionSendWindow.take(length);
        if (endStream) {
            endLocal(s);
        }
        return true;
    }

    /**
     * Queues only the 9-octet header of a DATA frame whose payload the driver writes next itself
     * (a file region sent zero-copy), taking the length from the windows.
     *
     * @return false if the stream is gone and nothing was queued
     * @throws IllegalArgumentException if {@code length} exceeds the send window or frame size
     */
    public boolean sendDataHeader(int streamId, int length, boolean endStream) {
        if (!canSend(streamId)) {
            return false;
        }
        if (length > sendWindow(streamId) || length > peerMaxFrameSize) {
            throw new IllegalArgumentException("DATA of " + length + " exceeds the window or frame size");
        }
        Stream s = streams.get(streamId);
        output.add(FrameWriter.header(length, FrameType.DATA.code(), endStream ? FrameType.FLAG_END_STREAM : 0, streamId));
        s.sendWindow.take(length);
        connectionSendWindow.take(length);
        if (endStream) {
            endLocal(s);
        }
        return true;
    }

    /** Queues trailers: a final HEADERS with END_STREAM. @return false if the stream is gone */
    public boolean sendTrailers(int streamId, List<HeaderField> trailers) {
        return sendHeaders(streamId, trailers, true);
    }

    /** Resets a stream from our side (the handler failed after its headers, or gave up). */
    public void resetStream(int streamId, ErrorCode code) {
        Stream s = streams.remove(streamId);
        if (s == null || phase == Phase.FAILED) {
            return;
        }
        closedStreams.put(streamId, ClosedBy.WE_RESET);
        emit(new Frame.RstStream(streamId, code.code()));
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
        Stream s = streams.get(streamId);
        if (s != null && s.remoteOpen()) {
            int increment = s.receiveWindow.consumed(octets);
            if (increment > 0) {
                emit(new Frame.WindowUpdate(streamId, increment));
            }
        }
    }

    private void creditConnection(int octets) {
        if (octets <= 0) {
            return;
        }
        int increment = connectionReceiveWindow.consumed(octets);
        if (increment > 0) {
            emit(new Frame.WindowUpdate(0, increment));
        }
    }

    /**
     * Starts a graceful goodbye (§6.8): GOAWAY with the last stream we accepted; later streams are
     * ignored, open ones may finish.
     */
    public void goAway(ErrorCode code, String debug) {
        if (phase == Phase.FAILED || goAwayLastStreamId >= 0) {
            return;
        }
        goAwayLastStreamId = highestPeerStreamId;
        emit(new Frame.GoAway(goAwayLastStreamId, code.code(), ByteBuffer.wrap(debug.getBytes(StandardCharsets.UTF_8))));
    }

    /** The peer has been reading: control frames queued so far no longer count (issue 8). */
    public void controlFramesDrained() {
        guard.peerIsReading();
    }

    private void endLocal(Stream s) {
        if (s.state == StreamState.HALF_CLOSED_REMOTE) {
            close(s, ClosedBy.FINISHED);
        } else {
            s.state = StreamState.HALF_CLOSED_LOCAL;
        }
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
        return phase == Phase.FRAMES && (pendingBlock != null || reader.isMidFrame());
    }

    /**
     * @return a number that identifies the header block being received, or -1 if none is open:
     *     the driver times out a block that stays open too long (slowloris)
     */
    public long openHeaderBlock() {
        return pendingBlock == null ? -1 : headerBlocksStarted;
    }

    /** Ends the connection from the driver's side (a timeout): GOAWAY with {@code code}. */
    public void abandon(ErrorCode code, String reason) {
        fail(code, reason);
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
        return goAwayLastStreamId >= 0 || peerGoAway;
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
        return output.poll();
    }

    /** @return whether output is queued */
    public boolean hasOutput() {
        return !output.isEmpty();
    }

    private void emit(Frame frame) {
        for (ByteBuffer part : FrameWriter.encode(frame)) {
            if (part.hasRemaining()) {
                output.add(part);
            }
        }
    }

    private void emitControl(Frame frame) {
        emit(frame);
        try {
            guard.controlFrameQueued();
        } catch (ConnectionError e) {
            fail(e.code(), e.getMessage());
        }
    }
}
