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
import java.util.List;
import java.util.Objects;

/**
 * A small blocking wireproto client over any pair of byte streams: a TCP socket, a process's
 * stdin/stdout ({@code weft wireproto --stdio}), or anything else.
 *
 * <ul>
 *   <li>Full duplex (TCP): {@link #call} sends one command and waits for its reply.</li>
 *   <li>Half duplex (stdio, where the server answers only after end of input):
 *       {@link #exchange} sends every command, ends the output, then reads every reply.</li>
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
    private boolean inputEnded;
    private boolean broken;

    /**
     * @param in the server's bytes
     * @param out to the server
     * @param endOutput ends our output (half-close), so a half-duplex server answers
     * @param closeAll releases everything
     */
    public WireprotoClient(InputStream in, OutputStream out, Closeable endOutput, Closeable closeAll) {
        this(in, out, endOutput, closeAll, WireprotoLimits.defaults(), DEFAULT_MAX_REPLY_BYTES);
    }

    /** As the other constructor, with chosen frame limits and reply bound. */
    public WireprotoClient(InputStream in, OutputStream out, Closeable endOutput, Closeable closeAll,
                           WireprotoLimits limits, int maxReplyBytes) {
        this.in = Objects.requireNonNull(in, "in is null");
        // Buffered so that a command's frames leave in one write: split small writes meet
        // Nagle's algorithm and delayed ACKs, costing tens of milliseconds per call.
        this.out = new java.io.BufferedOutputStream(Objects.requireNonNull(out, "out is null"), READ_SIZE);
        this.endOutput = Objects.requireNonNull(endOutput, "endOutput is null");
        this.closeAll = Objects.requireNonNull(closeAll, "closeAll is null");
        this.reactor = new ClientReactor(limits);
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

    /** @return a client on a connected socket; closing the client closes it */
    public static WireprotoClient over(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        return new WireprotoClient(socket.getInputStream(), socket.getOutputStream(), socket::shutdownOutput, socket);
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
     * Sends a command and reads its reply (full-duplex carriers).
     *
     * @throws IOException if the streams fail or the server closes before answering
     */
    public WireprotoReply call(WireprotoCommand command) throws IOException {
        send(command);
        return readReply();
    }

    /**
     * Sends every command, ends our output, then reads the replies (half-duplex carriers).
     *
     * @return one reply per command, in order; shorter, ending with a
     *     {@link WireprotoReply.ProtocolError}, if the exchange broke
     */
    public List<WireprotoReply> exchange(List<WireprotoCommand> commands) throws IOException {
        for (WireprotoCommand command : commands) {
            send(command);
        }
        endOutput();
        List<WireprotoReply> replies = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            WireprotoReply reply = readReply();
            replies.add(reply);
            if (reply instanceof WireprotoReply.ProtocolError) {
                break;
            }
        }
        return replies;
    }

    /** Writes a command's frames and flushes. */
    public void send(WireprotoCommand command) throws IOException {
        List<Frame> frames = new ArrayList<>(reactor.commandFrames(command.name(), command.arguments(), command.data() != null));
        if (command.data() != null) {
            frames.addAll(reactor.dataFrames(ByteBuffer.wrap(command.data()), true));
        }
        writeFrames(frames);
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
     * Reads the next reply.
     *
     * @throws IOException if the streams fail, the server closes before answering, or the
     *     reply is over the bound
     */
    public WireprotoReply readReply() throws IOException {
        if (broken) {
            throw new IOException("the exchange already broke");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            ClientEvent event = nextEvent();
            switch (event) {
                case ClientEvent.ResponseData data -> {
                    if (body.size() + (long) data.data().remaining() > maxReplyBytes) {
                        broken = true;
                        throw new IOException("reply over " + maxReplyBytes + " bytes");
                    }
                    body.write(data.data().array(), data.data().arrayOffset() + data.data().position(), data.data().remaining());
                    if (data.last()) {
                        return new WireprotoReply.Success(body.toByteArray());
                    }
                }
                case ClientEvent.ApplicationError error -> {
                    return new WireprotoReply.ApplicationError(error.message());
                }
                case ClientEvent.ServerProtocolError error -> {
                    broken = true;
                    return new WireprotoReply.ProtocolError(error.message(), true);
                }
                case ClientEvent.MalformedResponse malformed -> {
                    broken = true;
                    return new WireprotoReply.ProtocolError(malformed.message(), false);
                }
            }
        }
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
            ByteBuffer encoded = FrameCodec.encode(frame);
            out.write(encoded.array(), encoded.arrayOffset(), encoded.remaining());
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        closeAll.close();
    }
}
