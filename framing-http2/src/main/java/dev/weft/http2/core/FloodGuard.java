package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.ENHANCE_YOUR_CALM;
import static dev.weft.http2.core.Http2Exception.connection;

import dev.weft.http2.Http2Settings;
import java.util.function.LongSupplier;

/**
 * The defences of issue 8 that are counts, kept apart from the protocol rules so each reads as
 * one line naming its attack. Every limit trips with a connection error ENHANCE_YOUR_CALM.
 *
 * <ul>
 *   <li>Reset budget: Rapid Reset (CVE-2023-44487) and MadeYouReset (CVE-2025-8671) open
 *       streams and get them reset, by the peer or by us for its errors. A token bucket: each
 *       reset spends one token; the bucket holds at most {@code resetBudget} tokens and refills at
 *       {@code resetRefillPerSecond}, by the clock, whatever the peer does (completing streams
 *       earns nothing, so an attacker cannot buy resets with cheap requests).
 *   <li>Queued control answers: a peer that floods PING or SETTINGS (CVE-2019-9512, -9515) and
 *       does not read our ACKs; the driver says when the peer has drained its output.
 *   <li>Empty DATA frames in a row (CVE-2019-9518).
 *   <li>CONTINUATION frames and octets of one header block (the 2024 CONTINUATION flood).
 * </ul>
 *
 * <p>Threading: owned by the connection's event loop thread.
 */
final class FloodGuard {
    private static final double NANOS_PER_SECOND = 1e9;

    private final Http2Settings.Limits limits;
    /** The driver's clock, in nanoseconds (System::nanoTime in production, a fake in tests). */
    private final LongSupplier nanoClock;
    /** Whole and partial reset tokens left; refilled lazily when a reset comes in. */
    private double resetTokens;
    private long resetTokensAt;
    private int queuedControlFrames;
    private int emptyFramesInRow;

    FloodGuard(Http2Settings.Limits limits, LongSupplier nanoClock) {
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.resetTokens = limits.resetBudget();
        this.resetTokensAt = nanoClock.getAsLong();
    }

    void streamReset() throws ConnectionError {
        long now = nanoClock.getAsLong();
        double refill = Math.max(0, now - resetTokensAt) / NANOS_PER_SECOND * limits.resetRefillPerSecond();
        resetTokens = Math.min(limits.resetBudget(), resetTokens + refill);
        resetTokensAt = now;
        if (resetTokens < 1) {
            throw connection(ENHANCE_YOUR_CALM, "streams reset faster than %d/s beyond a burst of %d",
                    limits.resetRefillPerSecond(), limits.resetBudget());
        }
        resetTokens--;
    }

    void controlFrameQueued() throws ConnectionError {
        if (++queuedControlFrames > limits.maxQueuedControlFrames()) {
            throw connection(ENHANCE_YOUR_CALM, "more than %d control answers queued while the peer does not read",
                    limits.maxQueuedControlFrames());
        }
    }

    void peerIsReading() {
        queuedControlFrames = 0;
    }

    void dataFrame(boolean empty) throws ConnectionError {
        if (!empty) {
            emptyFramesInRow = 0;
        } else if (++emptyFramesInRow > limits.maxEmptyFrames()) {
            throw connection(ENHANCE_YOUR_CALM, "more than %d empty DATA frames in a row", limits.maxEmptyFrames());
        }
    }

    void headerBlockFrames(int frames) throws ConnectionError {
        if (frames > limits.maxContinuationFrames() + 1) {
            throw connection(ENHANCE_YOUR_CALM, "header block of more than %d CONTINUATION frames",
                    limits.maxContinuationFrames());
        }
    }

    void headerBlockBytes(int bytes) throws ConnectionError {
        if (bytes > limits.maxHeaderBlockBytes()) {
            throw connection(ENHANCE_YOUR_CALM, "header block larger than %d octets", limits.maxHeaderBlockBytes());
        }
    }
}
