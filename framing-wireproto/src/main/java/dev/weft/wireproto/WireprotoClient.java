package dev.weft.wireproto;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small blocking wireproto client over any pair of byte streams: a TCP socket, a process's
 * stdin/stdout ({@code weft wireproto --stdio}), or anything else.
 *
 * <ul>
 *   <li>Full duplex (TCP): {@link #call} sends one command and waits for its reply.</li>
 *   <li>Half duplex (stdio, where the server answers only after end of input):
 *       {@link #exchange} sends every command, ends the output, then reads every reply.</li>
 *   <li>Several commands in flight: {@link #send} each (it returns the request id), then
 *       {@link #readReply(int)} by id, or {@link #nextAnswer} for whichever completes first.
 *       In revision {@code 0002} answers complete in any order; in {@code 0001} in order.</li>
 * </ul>
 *
 * <p>Threading: one caller at a time.
 */
public final class WireprotoClient implements Closeable {
    /** 64 MiB: a reply larger than this is refused rather than held. */
    public static final int DEFAULT_MAX_REPLY_BYTES = 64 << 20;
    private static final int READ_SIZE = 64 * 1024;

    private final InputStream in;
    private final OutputStream out;
    private final Closeable endOutput;
    private final Closeable closeAll;
    private final ClientReactor reactor;
    private final int maxReplyBytes;
    private final ArrayDeque<ClientEvent> events = new ArrayDeque<>();
    /** Answer bytes so far, by request id, of the commands in flight. */
    private final Map<Integer, ByteArrayOutputStream> partial = new HashMap<>();
    /** Answers complete but not yet asked for, by request id. */
    private final Map<Integer, WireprotoReply> completed = new HashMap<>();
    /** Request ids sent and not yet completed, oldest first (revision 0001 matches by order). */
    private final ArrayDeque<Integer> inFlight = new ArrayDeque<>();
    private int nextRequestId = 1;
    private boolean inputEnded;
    private boolean broken;
    /** Set once the exchange broke: every later read answers it. */
    private WireprotoReply.ProtocolError breakage;

    /**
     * One completed answer.
     *
     * @param requestId the command's request id (0 in revision {@code 0001})
     * @param reply the answer
     */
    public record Answer(int requestId, WireprotoReply reply) {
    }

    /**
     * @param in the server's bytes
     * @param out to the server
     * @param endOutput ends our output (half-close), so a half-duplex server answers
     * @param closeAll releases everything
     */
    public WireprotoClient(InputStream in, OutputStream out, Closeable endOutput, Closeable closeAll) {
        this(in, out, endOutput, closeAll, WireprotoLimits.defaults(), DEFAULT_MAX_REPLY_BYTES);
    }

    /** As the other constructor, with chosen frame limits and reply bound (revision {@code 0001}). */
    public WireprotoClient(InputStream in, OutputStream out, Closeable endOutput, Closeable closeAll,
                           WireprotoLimits limits, int maxReplyBytes) {
        this(in, out, endOutput, closeAll, limits, maxReplyBytes, FramingRevision.EXP_0001);
    }

    /** As the other constructors, speaking {@code revision}. */
    public WireprotoClient(InputStream in, OutputStream out, Closeable endOutput, Closeable closeAll,
                           WireprotoLimits limits, int maxReplyBytes, FramingRevision revision) {
        this.in = Objects.requireNonNull(in, "in is null");
        // Buffered so that a command's frames leave in one write: split small writes meet
        // Nagle's algorithm and delayed ACKs, costing tens of milliseconds per call.
        this.out = new java.io.BufferedOutputStream(Objects.requireNonNull(out, "out is null"), READ_SIZE);
        this.endOutput = Objects.requireNonNull(endOutput, "endOutput is null");
        this.closeAll = Objects.requireNonNull(closeAll, "closeAll is null");
        this.reactor = new ClientReactor(limits, revision);
        this.maxReplyBytes = maxReplyBytes;
    }

    /** @return a client on a new TCP connection to {@code address} */
    public static WireprotoClient connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, 10_000);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return over(socket);
    }

    /** @return a revision {@code revision} client on a new TCP connection to {@code address} */
    public static WireprotoClient connect(InetSocketAddress address, FramingRevision revision) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, 10_000);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return over(socket, revision);
    }

    /** @return a client on a connected socket; closing the client closes it */
    public static WireprotoClient over(Socket socket) throws IOException {
        return over(socket, FramingRevision.EXP_0001);
    }

    /** @return a revision {@code revision} client on a connected socket; closing the client closes it */
    public static WireprotoClient over(Socket socket, FramingRevision revision) throws IOException {
        socket.setTcpNoDelay(true);
        return new WireprotoClient(socket.getInputStream(), socket.getOutputStream(), socket::shutdownOutput, socket,
                WireprotoLimits.defaults(), DEFAULT_MAX_REPLY_BYTES, revision);
    }

    /** @return the protocol revision spoken */
    public FramingRevision revision() {
        return reactor.revision();
    }

    /** @return a client on a process's stdout/stdin (e.g. {@code weft wireproto --stdio}) */
    public static WireprotoClient over(Process process) {
        OutputStream stdin = process.getOutputStream();
        InputStream stdout = process.getInputStream();
        return new WireprotoClient(stdout, stdin, stdin, () -> {
            try (stdout; stdin) {
                // both closed by try-with-resources
            }
        });
    }

    /**
     * Sends a command and reads its reply (full-duplex carriers). Answers of other commands in
     * flight that complete first are kept for {@link #readReply(int)}.
     *
     * @throws IOException if the streams fail or the server closes before answering
     */
    public WireprotoReply call(WireprotoCommand command) throws IOException {
        return readReply(send(command));
    }

    /**
     * Sends every command, ends our output, then reads the replies (half-duplex carriers).
     *
     * @return one reply per command, in the commands' order; shorter, ending with a
     *     {@link WireprotoReply.ProtocolError}, if the exchange broke
     */
    public List<WireprotoReply> exchange(List<WireprotoCommand> commands) throws IOException {
        List<Integer> ids = new ArrayList<>();
        for (WireprotoCommand command : commands) {
            ids.add(send(command));
        }
        endOutput();
        List<WireprotoReply> replies = new ArrayList<>();
        for (int id : ids) {
            WireprotoReply reply = readReply(id);
            replies.add(reply);
            if (reply instanceof WireprotoReply.ProtocolError) {
                break;
            }
        }
        return replies;
    }

    /**
     * Writes a command's frames and flushes.
     *
     * @return the request id the command went with (revision {@code 0002}: the next id not in
     *     flight, counting from 1; revision {@code 0001}: always 0)
     * @throws IOException if the streams fail, or every request id is in flight
     */
    public int send(WireprotoCommand command) throws IOException {
        int id = nextRequestId();
        List<Frame> frames = new ArrayList<>(reactor.commandFrames(id, command.name(), command.arguments(), command.data() != null));
        if (command.data() != null) {
            frames.addAll(reactor.dataFrames(id, ByteBuffer.wrap(command.data()), true));
        }
        writeFrames(frames);
        inFlight.addLast(id);
        return id;
    }

    private int nextRequestId() throws IOException {
        if (!reactor.revision().hasRequestIds()) {
            return 0;
        }
        if (inFlight.size() + completed.size() >= FramingRevision.MAX_REQUEST_ID) {
            throw new IOException("every request id is in flight or unread");
        }
        while (true) {
            int id = nextRequestId;
            nextRequestId = nextRequestId == FramingRevision.MAX_REQUEST_ID ? 1 : nextRequestId + 1;
            if (!inFlight.contains(id) && !completed.containsKey(id)) {
                return id;
            }
        }
    }

    /** Writes raw bytes (for tests that must send what a correct client never would). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Ends our output so that a half-duplex server answers. */
    public void endOutput() throws IOException {
        out.flush();
        endOutput.close();
    }

    /**
     * Reads the reply of the oldest command not yet read (in revision {@code 0002}, whichever
     * of it and others complete first, the others kept for later).
     *
     * @throws IOException if the streams fail, the server closes before answering, or the
     *     reply is over the bound
     */
    public WireprotoReply readReply() throws IOException {
        if (inFlight.isEmpty() && completed.isEmpty()) {
            // Nothing sent through send(): a reader of a server's raw answer (tests, HTTP bodies).
            return nextAnswer().reply();
        }
        Integer oldest = inFlight.isEmpty() ? completed.keySet().iterator().next() : inFlight.peekFirst();
        return readReply(oldest);
    }

    /**
     * Reads until the command sent with {@code requestId} is answered; answers of other
     * commands that complete first are kept.
     *
     * @throws IOException as {@link #readReply()}
     */
    public WireprotoReply readReply(int requestId) throws IOException {
        while (true) {
            WireprotoReply done = completed.remove(requestId);
            if (done != null) {
                return done;
            }
            if (breakage != null) {
                return breakage;
            }
            Answer answer = nextAnswer();
            if (answer.requestId() == requestId && !(answer.reply() instanceof WireprotoReply.ProtocolError)) {
                return answer.reply();
            }
            if (answer.reply() instanceof WireprotoReply.ProtocolError error) {
                return error;
            }
            completed.put(answer.requestId(), answer.reply());
        }
    }

    /**
     * Reads until some command's answer is complete, and returns it (it is not kept for
     * {@link #readReply(int)}).
     *
     * @throws IOException as {@link #readReply()}
     */
    public Answer nextAnswer() throws IOException {
        if (breakage != null) {
            return new Answer(0, breakage);
        }
        if (broken) {
            throw new IOException("the exchange already broke");
        }
        while (true) {
            ClientEvent event = nextEvent();
            switch (event) {
                case ClientEvent.ResponseData data -> {
                    ByteArrayOutputStream body = partial.computeIfAbsent(data.requestId(), id -> new ByteArrayOutputStream());
                    if (body.size() + (long) data.data().remaining() > maxReplyBytes) {
                        broken = true;
                        throw new IOException("reply over " + maxReplyBytes + " bytes");
                    }
                    body.write(data.data().array(), data.data().arrayOffset() + data.data().position(), data.data().remaining());
                    if (data.last()) {
                        partial.remove(data.requestId());
                        return complete(data.requestId(), new WireprotoReply.Success(body.toByteArray()));
                    }
                }
                case ClientEvent.ApplicationError error -> {
                    partial.remove(error.requestId());
                    return complete(error.requestId(), new WireprotoReply.ApplicationError(error.message()));
                }
                case ClientEvent.ServerProtocolError error -> {
                    return breaks(new WireprotoReply.ProtocolError(error.message(), true));
                }
                case ClientEvent.MalformedResponse malformed -> {
                    return breaks(new WireprotoReply.ProtocolError(malformed.message(), false));
                }
            }
        }
    }

    private Answer complete(int requestId, WireprotoReply reply) {
        inFlight.removeFirstOccurrence(requestId);
        return new Answer(requestId, reply);
    }

    private Answer breaks(WireprotoReply.ProtocolError error) {
        broken = true;
        breakage = error;
        return new Answer(0, error);
    }

    private ClientEvent nextEvent() throws IOException {
        byte[] buffer = null;
        while (events.isEmpty()) {
            if (inputEnded) {
                broken = true;
                throw new IOException("server closed the connection before answering");
            }
            buffer = buffer == null ? new byte[READ_SIZE] : buffer;
            int read = in.read(buffer);
            if (read < 0) {
                inputEnded = true;
                events.addAll(reactor.onInputEnd());
            } else {
                events.addAll(reactor.receive(ByteBuffer.wrap(buffer, 0, read)));
                // Response data wraps frame payloads, not this buffer, so it can be reused.
            }
        }
        return events.removeFirst();
    }

    private void writeFrames(List<Frame> frames) throws IOException {
        for (Frame frame : frames) {
            ByteBuffer encoded = FrameCodec.encode(reactor.revision(), frame);
            out.write(encoded.array(), encoded.arrayOffset(), encoded.remaining());
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        closeAll.close();
    }
}
