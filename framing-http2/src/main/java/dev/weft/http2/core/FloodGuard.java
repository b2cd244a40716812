package dev.weft.http2.core;

import static dev.weft.http2.core.ErrorCode.ENHANCE_YOUR_CALM;
import static dev.weft.http2.core.Http2Exception.connection;

import dev.weft.http2.Http2Settings;

/**
 * The defences of issue 8 that are counts, kept apart from the protocol rules so each reads as
 * one line naming its attack. Every limit trips with a connection error ENHANCE_YOUR_CALM.
 *
 * <ul>
 *   <li>Reset budget: Rapid Reset (CVE-2023-44487) and MadeYouReset (CVE-2025-8671) open
 *       streams and get them reset, by the peer or by us for its errors; each reset spends one
 *       token, each normally completed stream earns one back, up to the budget.
 *   <li>Queued control answers: a peer that floods PING or SETTINGS (CVE-2019-9512, -9515) and
 *       does not read our ACKs; the driver says when the peer has drained its output.
 *   <li>Empty DATA frames in a row (CVE-2019-9518).
 *   <li>CONTINUATION frames and octets of one header block (the 2024 CONTINUATION flood).
 * </ul>
 *
 * <p>Threading: owned by the connection's event loop thread.
 */
final class FloodGuard {
    private final Http2Settings.Limits limits;
    private int resetTokens;
    private int queuedControlFrames;
    private int emptyFramesInRow;

    FloodGuard(Http2Settings.Limits limits) {
        this.limits = limits;
        this.resetTokens = limits.resetBudget();
    }

    void streamReset() throws ConnectionError {
        if (--resetTokens < 0) {
            throw connection(ENHANCE_YOUR_CALM, "more than %d streams reset beyond those completed", limits.resetBudget());
        }
    }

    void streamCompleted() {
        resetTokens = Math.min(limits.resetBudget(), resetTokens + 1);
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
