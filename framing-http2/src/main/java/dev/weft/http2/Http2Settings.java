package dev.weft.http2;

import dev.weft.http2.core.FrameReader;
import java.time.Duration;
import java.util.Objects;

/**
 * What the h2 protocol advertises and enforces, with the defaults a user would expect. Bind your
 * own instance in Guice ({@code Modules.override(...)}) to change any of it.
 *
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS; default 128 (what most servers
 *     use: plenty for a browser page, small enough that each connection's handler threads stay few)
 * @param initialWindowSize SETTINGS_INITIAL_WINDOW_SIZE, the per-stream receive window; default
 *     1 MiB: a request body is buffered only up to this per stream, and 1 MiB keeps a loopback or
 *     LAN upload at full speed while the handler drains it
 * @param connectionWindowSize the connection-level receive window, opened by a WINDOW_UPDATE after
 *     the preface; default 4 MiB, so a few uploads run in parallel at full speed while one
 *     connection never holds more than this much unread request data
 * @param maxFrameSize SETTINGS_MAX_FRAME_SIZE we accept; default 16 KiB (the RFC's initial value);
 *     we send frames up to the peer's value
 * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE; default 16 KiB, counted with 32 octets
 *     of overhead per field; larger request headers get 431
 * @param limits the defences against hostile peers (issue 8)
 * @param slowPeerTimeout a connection that has not sent its preface and SETTINGS within this, or
 *     that leaves a frame or a header block (HEADERS without END_HEADERS) unfinished for this
 *     long, is closed (slowloris: dribbled octets keep the idle timer from firing); default 10 s
 */
public record Http2Settings(int maxConcurrentStreams, int initialWindowSize, int connectionWindowSize, int maxFrameSize,
                            int maxHeaderListSize, Limits limits, Duration slowPeerTimeout) {

    /** Default SETTINGS_MAX_CONCURRENT_STREAMS. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 128;
    /** Default per-stream receive window: 1 MiB. */
    public static final int DEFAULT_INITIAL_WINDOW_SIZE = 1 << 20;
    /** Default connection receive window: 4 MiB. */
    public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 4 << 20;
    /** Default SETTINGS_MAX_HEADER_LIST_SIZE: 16 KiB. */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 16 << 10;
    /** The initial window size of RFC 9113 §6.9.2, which both sides assume before SETTINGS. */
    public static final int RFC_INITIAL_WINDOW_SIZE = 65_535;

    /** @throws IllegalArgumentException for values the RFC or this implementation cannot work with */
    public Http2Settings {
        Objects.requireNonNull(limits, "limits is null");
        Objects.requireNonNull(slowPeerTimeout, "slowPeerTimeout is null");
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams must be >= 1: " + maxConcurrentStreams);
        }
        if (initialWindowSize < RFC_INITIAL_WINDOW_SIZE || connectionWindowSize < RFC_INITIAL_WINDOW_SIZE) {
            // Smaller windows would be violated by data the peer sends before it sees our SETTINGS.
            throw new IllegalArgumentException("windows must be >= 65535: " + initialWindowSize + ", " + connectionWindowSize);
        }
        if (maxFrameSize < FrameReader.MIN_MAX_FRAME_SIZE || maxFrameSize > FrameReader.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("maxFrameSize must be 16384..16777215: " + maxFrameSize);
        }
        if (maxHeaderListSize < 1024) {
            throw new IllegalArgumentException("maxHeaderListSize must be >= 1024: " + maxHeaderListSize);
        }
    }

    /** @return the documented defaults */
    public static Http2Settings defaults() {
        return new Http2Settings(DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_CONNECTION_WINDOW_SIZE,
                FrameReader.MIN_MAX_FRAME_SIZE, DEFAULT_MAX_HEADER_LIST_SIZE, Limits.defaults(), Duration.ofSeconds(10));
    }

    /** @return these settings with another stream cap */
    public Http2Settings withMaxConcurrentStreams(int value) {
        return new Http2Settings(value, initialWindowSize, connectionWindowSize, maxFrameSize, maxHeaderListSize, limits,
                slowPeerTimeout);
    }

    /** @return these settings with other receive windows */
    public Http2Settings withWindows(int stream, int connection) {
        return new Http2Settings(maxConcurrentStreams, stream, connection, maxFrameSize, maxHeaderListSize, limits,
                slowPeerTimeout);
    }

    /** @return these settings with another header list cap */
    public Http2Settings withMaxHeaderListSize(int value) {
        return new Http2Settings(maxConcurrentStreams, initialWindowSize, connectionWindowSize, maxFrameSize, value, limits,
                slowPeerTimeout);
    }

    /** @return these settings with other limits */
    public Http2Settings withLimits(Limits value) {
        return new Http2Settings(maxConcurrentStreams, initialWindowSize, connectionWindowSize, maxFrameSize,
                maxHeaderListSize, value, slowPeerTimeout);
    }

    /** @return these settings with another slow-peer timeout */
    public Http2Settings withSlowPeerTimeout(Duration timeout) {
        return new Http2Settings(maxConcurrentStreams, initialWindowSize, connectionWindowSize, maxFrameSize,
                maxHeaderListSize, limits, timeout);
    }

    /**
     * Defences against hostile peers (issue 8). Each trips with GOAWAY ENHANCE_YOUR_CALM.
     *
     * @param resetBudget streams a peer may get reset at once (its RST_STREAM on a live stream,
     *     our RST_STREAM provoked by its errors, a refusal, a 431): the burst of a token bucket that
     *     refills at {@code resetRefillPerSecond}; stops Rapid Reset (CVE-2023-44487) and
     *     MadeYouReset (CVE-2025-8671); default 200
     * @param resetRefillPerSecond tokens the reset budget earns back per second, by the clock
     *     (completed streams earn nothing); default 50, far above what a browser or gRPC client
     *     cancels on one connection and far below what an attack needs (nghttp2's default is 33/s)
     * @param maxContinuationFrames CONTINUATION frames in one header block; stops the 2024
     *     CONTINUATION flood; default 64
     * @param maxHeaderBlockBytes octets of one compressed header block; default 64 KiB (four
     *     times the default header list cap: HPACK never needs more for an acceptable list)
     * @param maxQueuedControlFrames PING/SETTINGS ACKs and RST_STREAMs we queued while the peer
     *     did not read its output (CVE-2019-9512, -9515); default 1,000
     * @param maxEmptyFrames DATA frames without payload or END_STREAM in a row (CVE-2019-9518);
     *     default 100
     */
    public record Limits(int resetBudget, int resetRefillPerSecond, int maxContinuationFrames, int maxHeaderBlockBytes, int maxQueuedControlFrames,
                         int maxEmptyFrames) {
        /** @throws IllegalArgumentException for a limit below 1 */
        public Limits {
            if (resetBudget < 1 || resetRefillPerSecond < 1 || maxContinuationFrames < 1 || maxHeaderBlockBytes < 1 || maxQueuedControlFrames < 1
                    || maxEmptyFrames < 1) {
                throw new IllegalArgumentException("limits must be >= 1");
            }
        }

        /** @return the documented defaults */
        public static Limits defaults() {
            return new Limits(200, 50, 64, 64 << 10, 1_000, 100);
        }

        /** @return these limits with another reset burst (the refill rate unchanged) */
        public Limits withResetBudget(int value) {
            return new Limits(value, resetRefillPerSecond, maxContinuationFrames, maxHeaderBlockBytes,
                    maxQueuedControlFrames, maxEmptyFrames);
        }

        /** @return these limits with another refill rate of the reset budget, in resets per second */
        public Limits withResetRefillPerSecond(int value) {
            return new Limits(resetBudget, value, maxContinuationFrames, maxHeaderBlockBytes,
                    maxQueuedControlFrames, maxEmptyFrames);
        }
    }
}
