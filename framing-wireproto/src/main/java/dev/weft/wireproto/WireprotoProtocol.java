package dev.weft.wireproto;

import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Protocol {@code wireproto}: Mercurial's unified frame protocol (revision
 * {@code exp-framing-0001}, or {@code 0002} with request ids when configured so), serving each
 * command through the application's handler as {@code POST /<command>} (see
 * {@link CommandRunner}). TCP connections and stdio speak the configured {@link FramingRevision};
 * over HTTP the content type picks it per request.
 *
 * <p>Carriers: TCP connections ({@link #open}, full duplex), a pair of streams such as stdio
 * ({@link #serveStreams}, half duplex: answers wait for end of input), and HTTP/2 requests
 * ({@link WireprotoOverHttpHandler}).
 *
 * <p>Threading: stateless; safe from any thread.
 */
public final class WireprotoProtocol implements Protocol {
    /** The name it is chosen by. */
    public static final String NAME = "wireproto";
    /** Bytes of a command name looked at before {@link #detect} says yes. */
    private static final int DETECT_NAME_BYTES = 8;

    private final WireprotoLimits limits;
    private final FramingRevision revision;

    /** With the default limits, revision {@code 0001}. */
    public WireprotoProtocol() {
        this(WireprotoLimits.defaults());
    }

    /** @param limits the bounds enforced on every peer (revision {@code 0001}) */
    public WireprotoProtocol(WireprotoLimits limits) {
        this(limits, FramingRevision.EXP_0001);
    }

    /**
     * @param limits the bounds enforced on every peer (bound by {@link WireprotoPlugin}; override it)
     * @param revision what TCP and stdio peers speak (likewise)
     */
    @Inject
    public WireprotoProtocol(WireprotoLimits limits, FramingRevision revision) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.revision = Objects.requireNonNull(revision, "revision is null");
    }

    /** @return the limits in force */
    public WireprotoLimits limits() {
        return limits;
    }

    /** @return the revision TCP and stdio peers speak */
    public FramingRevision revision() {
        return revision;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "wireproto: Mercurial's unified frame protocol (exp-framing-" + revision.number()
                + ") over TCP, stdio and HTTP/2";
    }

    /**
     * A wireproto peer starts with a command-name frame: a length of 1..max, (revision
     * {@code 0002}: any request id), type 1 with {@code eos} alone or
     * {@code have-args}/{@code have-data}, then a name of command characters. HTTP/2's preface
     * {@code "PRI * HTTP/2.0"} fails at once: its first three bytes read as a length of 4.8
     * million.
     */
    @Override
    public PrefaceMatch detect(ByteBuffer prefix) {
        ByteBuffer view = prefix.duplicate();
        int available = view.remaining();
        int start = view.position();
        if (available < 3) {
            return PrefaceMatch.NEED_MORE;
        }
        int length = FrameCodec.headerLength(view.get(start), view.get(start + 1), view.get(start + 2));
        if (length == 0 || length > limits.maxReceiveFrameLength()) {
            return PrefaceMatch.NO;
        }
        int header = revision.headerLength();
        if (available < header) {
            return PrefaceMatch.NEED_MORE;
        }
        int typeAndFlags = view.get(start + header - 1) & 0xff;
        int flags = typeAndFlags & 0x0f;
        if (typeAndFlags >>> 4 != FrameType.COMMAND_NAME.code() || !(flags == 1 || flags == 2 || flags == 4 || flags == 6)) {
            return PrefaceMatch.NO;
        }
        int nameBytes = Math.min(length, available - header);
        for (int i = 0; i < nameBytes; i++) {
            int c = view.get(start + header + i) & 0xff;
            boolean commandCharacter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '_' || c == '-' || c == '.' || c == '~';
            if (!commandCharacter) {
                return PrefaceMatch.NO;
            }
        }
        return nameBytes == length || nameBytes >= DETECT_NAME_BYTES ? PrefaceMatch.YES : PrefaceMatch.NEED_MORE;
    }

    @Override
    public ConnectionHandler open(Connection connection, ProtocolContext context) {
        return new WireprotoConnectionHandler(connection, context, limits, revision);
    }

    /**
     * Serves one peer over {@code in}/{@code out} (stdio, like {@code hg serve --stdio}) until
     * end of input and every answer is written, or until a protocol error (after its
     * error-response frame). Half duplex: answers are held until end of input. Logs never go
     * to {@code out}.
     */
    @Override
    public void serveStreams(InputStream in, OutputStream out, ProtocolContext context) throws IOException {
        new StreamSession(context, limits, revision, ServerReactor.OutputMode.DEFERRED, in, out, null).run();
    }

    /**
     * Serves one peer over {@code in}/{@code out} with a chosen output mode: full duplex
     * streams answers as they are made.
     */
    public void serveStreams(InputStream in, OutputStream out, ProtocolContext context, ServerReactor.OutputMode mode)
            throws IOException {
        new StreamSession(context, limits, revision, mode, in, out, null).run();
    }
}
