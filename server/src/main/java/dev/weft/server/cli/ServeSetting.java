package dev.weft.server.cli;

import dev.weft.api.BodyPolicy;
import dev.weft.body.Sizes;
import dev.weft.http2.Http2Settings;
import dev.weft.spi.MinDataRate;
import dev.weft.spi.TransportConfig;
import dev.weft.wireproto.FramingRevision;
import dev.weft.wireproto.WireprotoLimits;
import java.util.Locale;

/**
 * Every setting of {@code weft serve}, in one table: each is the flag {@code --name}, the
 * environment variable {@code WEFT_NAME} (upper case, {@code -} as {@code _}) and the key
 * {@code name} of a {@code --config} file. {@link ServeConfig} resolves them (flag, then
 * environment, then file, then the default here) and {@link Usage} prints them.
 *
 * <p>Defaults are read from the same constants the code uses, so help and behaviour agree. A
 * {@code null} default means "computed at start" (event loops, root, temp folder).
 */
enum ServeSetting {
    // Listener and transport
    HOST(Group.LISTENER, "H", "address to listen on", "127.0.0.1", Kind.TEXT, 0, 0),
    PORT(Group.LISTENER, "P", "port; 0 picks a free one", "8080", Kind.WHOLE, 0, 65535),
    TRANSPORT(Group.LISTENER, "T", "nio | epoll", "nio", Kind.TEXT, 0, 0),
    PROTOCOL(Group.LISTENER, "P", "auto | h2 | http/1.1 | wireproto (auto: detected per connection)", "auto", Kind.TEXT, 0, 0),
    ROOT(Group.LISTENER, "DIR", "folder served under /files/ (default: the demo folder shipped with Weft)", null, Kind.TEXT, 0, 0),
    LOOPS(Group.LISTENER, "N", "event loops (default: number of processors)", null, Kind.WHOLE, 1, 1024),
    IDLE_TIMEOUT(Group.LISTENER, "S", "seconds before an idle connection is closed",
            Long.toString(TransportConfig.DEFAULT_IDLE_TIMEOUT.toSeconds()), Kind.SECONDS, 1, 86_400),
    MAX_CONNECTIONS(Group.LISTENER, "N", "open connections at most",
            Integer.toString(TransportConfig.DEFAULT_MAX_CONNECTIONS), Kind.WHOLE, 1, 1_000_000),
    DETECTION_TIMEOUT(Group.LISTENER, "S", "seconds a connection has to show its protocol under --protocol auto",
            "10", Kind.SECONDS, 1, 3_600),
    WRITE_HIGH_WATERMARK(Group.LISTENER, "SIZE", "queued output per connection over which it stops taking more",
            Sizes.format(TransportConfig.DEFAULT_HIGH_WATERMARK), Kind.SIZE, 1024, Integer.MAX_VALUE),
    WRITE_LOW_WATERMARK(Group.LISTENER, "SIZE", "queued output under which it takes more again",
            Sizes.format(TransportConfig.DEFAULT_LOW_WATERMARK), Kind.SIZE, 0, Integer.MAX_VALUE),
    MIN_REQUEST_RATE(Group.LISTENER, "SIZE", "slowest request body accepted, per second (0: off)",
            Long.toString(MinDataRate.DEFAULTS.requestBytesPerSecond()), Kind.SIZE, 0, Long.MAX_VALUE),
    MIN_RESPONSE_RATE(Group.LISTENER, "SIZE", "slowest response reading accepted, per second (0: off)",
            Long.toString(MinDataRate.DEFAULTS.responseBytesPerSecond()), Kind.SIZE, 0, Long.MAX_VALUE),
    RATE_GRACE(Group.LISTENER, "S", "seconds each minimum-rate check covers",
            Long.toString(MinDataRate.DEFAULTS.grace().toSeconds()), Kind.SECONDS, 1, 3_600),
    SHUTDOWN_GRACE(Group.LISTENER, "S", "seconds in-flight requests get to finish on SIGTERM", "10", Kind.SECONDS, 0, 3_600),

    // HTTP/2 (Http2Settings and its Limits)
    H2_MAX_CONCURRENT_STREAMS(Group.HTTP2, "N", "SETTINGS_MAX_CONCURRENT_STREAMS",
            Integer.toString(Http2Settings.DEFAULT_MAX_CONCURRENT_STREAMS), Kind.WHOLE, 1, Integer.MAX_VALUE),
    H2_INITIAL_WINDOW(Group.HTTP2, "SIZE", "per-stream receive window (request data buffered per stream)",
            Sizes.format(Http2Settings.DEFAULT_INITIAL_WINDOW_SIZE), Kind.SIZE, Http2Settings.RFC_INITIAL_WINDOW_SIZE, Integer.MAX_VALUE),
    H2_CONNECTION_WINDOW(Group.HTTP2, "SIZE", "per-connection receive window",
            Sizes.format(Http2Settings.DEFAULT_CONNECTION_WINDOW_SIZE), Kind.SIZE, Http2Settings.RFC_INITIAL_WINDOW_SIZE, Integer.MAX_VALUE),
    H2_MAX_FRAME_SIZE(Group.HTTP2, "SIZE", "SETTINGS_MAX_FRAME_SIZE accepted",
            Sizes.format(Http2Settings.defaults().maxFrameSize()), Kind.SIZE, 16_384, 16_777_215),
    H2_MAX_HEADER_LIST(Group.HTTP2, "SIZE", "SETTINGS_MAX_HEADER_LIST_SIZE; larger request headers get 431",
            Sizes.format(Http2Settings.DEFAULT_MAX_HEADER_LIST_SIZE), Kind.SIZE, 1024, Integer.MAX_VALUE),
    H2_SLOW_PEER_TIMEOUT(Group.HTTP2, "S", "seconds for the preface, a frame or a header block to arrive whole",
            Long.toString(Http2Settings.defaults().slowPeerTimeout().toSeconds()), Kind.SECONDS, 1, 3_600),
    H2_RESET_BUDGET(Group.HTTP2, "N", "streams reset in a burst before GOAWAY (Rapid Reset)",
            Integer.toString(Http2Settings.Limits.defaults().resetBudget()), Kind.WHOLE, 1, Integer.MAX_VALUE),
    H2_RESET_REFILL_PER_SECOND(Group.HTTP2, "N", "resets per second the budget earns back",
            Integer.toString(Http2Settings.Limits.defaults().resetRefillPerSecond()), Kind.WHOLE, 1, Integer.MAX_VALUE),
    H2_MAX_CONTINUATION_FRAMES(Group.HTTP2, "N", "CONTINUATION frames in one header block",
            Integer.toString(Http2Settings.Limits.defaults().maxContinuationFrames()), Kind.WHOLE, 1, Integer.MAX_VALUE),
    H2_MAX_HEADER_BLOCK(Group.HTTP2, "SIZE", "compressed octets of one header block",
            Sizes.format(Http2Settings.Limits.defaults().maxHeaderBlockBytes()), Kind.SIZE, 1, Integer.MAX_VALUE),
    H2_MAX_QUEUED_CONTROL_FRAMES(Group.HTTP2, "N", "control answers queued while the peer does not read (PING flood)",
            Integer.toString(Http2Settings.Limits.defaults().maxQueuedControlFrames()), Kind.WHOLE, 1, Integer.MAX_VALUE),
    H2_MAX_EMPTY_FRAMES(Group.HTTP2, "N", "empty DATA frames in a row",
            Integer.toString(Http2Settings.Limits.defaults().maxEmptyFrames()), Kind.WHOLE, 1, Integer.MAX_VALUE),

    // Wireproto (WireprotoLimits)
    WIREPROTO_MAX_FRAME(Group.WIREPROTO, "SIZE", "largest frame payload accepted",
            Sizes.format(WireprotoLimits.DEFAULT_MAX_RECEIVE_FRAME_LENGTH), Kind.SIZE, 1, 16_777_215),
    WIREPROTO_MAX_ARGUMENTS(Group.WIREPROTO, "N", "arguments per command",
            Integer.toString(WireprotoLimits.DEFAULT_MAX_ARGUMENTS), Kind.WHOLE, 0, Integer.MAX_VALUE),
    WIREPROTO_MAX_ARGUMENT_BYTES(Group.WIREPROTO, "SIZE", "argument names and values per command",
            Sizes.format(WireprotoLimits.DEFAULT_MAX_ARGUMENT_BYTES), Kind.SIZE, 0, Integer.MAX_VALUE),
    WIREPROTO_MAX_PENDING_COMMANDS(Group.WIREPROTO, "N", "commands in flight per connection before reading stops",
            Integer.toString(WireprotoLimits.DEFAULT_MAX_PENDING_COMMANDS), Kind.WHOLE, 1, Integer.MAX_VALUE),
    WIREPROTO_COMMAND_DATA_WINDOW(Group.WIREPROTO, "SIZE", "command data buffered ahead of the handler",
            Sizes.format(WireprotoLimits.DEFAULT_COMMAND_DATA_WINDOW), Kind.SIZE, 1, Integer.MAX_VALUE),
    WIREPROTO_MAX_DEFERRED_OUTPUT(Group.WIREPROTO, "SIZE", "answers held for half-duplex carriers (stdio)",
            Sizes.format(WireprotoLimits.DEFAULT_MAX_DEFERRED_OUTPUT_BYTES), Kind.SIZE, 0, Long.MAX_VALUE),
    // Wireproto framing revision (issue 15): 0002 has request ids, so a connection's commands run side by side
    WIREPROTO_REVISION(Group.WIREPROTO, "R", "0001 | 0002: the framing TCP and stdio peers speak (0002: request ids, "
            + "a connection's commands run side by side)", FramingRevision.EXP_0001.number(), Kind.TEXT, 0, 0),

    // Request bodies (BodyPolicy)
    MAX_RAM(Group.BODIES, "SIZE", "form values held in memory per request", Sizes.format(BodyPolicy.defaults().maxRam()), Kind.SIZE, 0, Long.MAX_VALUE),
    MAX_DISK(Group.BODIES, "SIZE", "form files saved to disk per request", Sizes.format(BodyPolicy.defaults().maxDisk()), Kind.SIZE, 0, Long.MAX_VALUE),
    MAX_HEADER(Group.BODIES, "SIZE", "headers of one form part, and an HTTP/1.1 request's head", Sizes.format(BodyPolicy.defaults().maxHeader()), Kind.SIZE, 0, Integer.MAX_VALUE),
    MAX_PARTS(Group.BODIES, "N", "parts in one form", Integer.toString(BodyPolicy.defaults().maxParts()), Kind.SIZE, 0, Integer.MAX_VALUE),
    TMP_DIR(Group.BODIES, "DIR", "where form files are saved (default: a private folder under java.io.tmpdir)", null, Kind.TEXT, 0, 0),

    // Operations
    ACCESS_LOG(Group.OPERATIONS, "", "one line per exchange on the logger weft.access (default off)", "false", Kind.SWITCH, 0, 0),
    ADMIN_PORT(Group.OPERATIONS, "P", "serve /metrics (Prometheus) and /health here (default off; 0 picks a free one)", null, Kind.WHOLE, 0, 65535),
    ADMIN_HOST(Group.OPERATIONS, "H", "address of the admin port", "127.0.0.1", Kind.TEXT, 0, 0);

    /** Where a setting is listed in the help. */
    enum Group {
        LISTENER("Listener and transport"),
        HTTP2("HTTP/2 limits"),
        WIREPROTO("Wireproto limits"),
        BODIES("Request bodies (the default body policy)"),
        OPERATIONS("Operations");

        final String title;

        Group(String title) {
            this.title = title;
        }
    }

    /** How a value is written and checked. */
    enum Kind {
        /** Any text (names, paths). */
        TEXT,
        /** A whole number in [min, max]. */
        WHOLE,
        /** A whole number of seconds in [min, max]. */
        SECONDS,
        /** Bytes: digits with an optional k/m/g/t suffix, in [min, max]. */
        SIZE,
        /** On or off: no value on the command line, {@code true}/{@code false} elsewhere. */
        SWITCH
    }

    final Group group;
    final String label;
    final String description;
    /** The value when nothing else gives one, as the user would write it; null = computed at start. */
    final String defaultValue;
    final Kind kind;
    final long min;
    final long max;

    ServeSetting(Group group, String label, String description, String defaultValue, Kind kind, long min, long max) {
        this.group = group;
        this.label = label;
        this.description = description;
        this.defaultValue = defaultValue;
        this.kind = kind;
        this.min = min;
        this.max = max;
    }

    /** @return the flag's name without dashes, which is also the config file key */
    String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @return {@code --key} */
    String flag() {
        return "--" + key();
    }

    /** @return the environment variable that overrides the file and the default */
    String environmentVariable() {
        return "WEFT_" + name();
    }
}
