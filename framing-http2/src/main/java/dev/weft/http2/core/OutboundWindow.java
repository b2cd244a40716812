package dev.weft.http2.core;

/**
 * A send window the peer granted, at one level (connection or stream):
 *
 * <ol>
 *   <li>Sending DATA takes its flow-controlled length from the window; the caller never sends
 *       more than {@link #available()}.
 *   <li>WINDOW_UPDATE adds its increment; going past 2^31-1 is a FLOW_CONTROL_ERROR.
 *   <li>A change of SETTINGS_INITIAL_WINDOW_SIZE adds the difference to every stream window; it
 *       may go negative (RFC 9113 §6.9.2) and then nothing is sent until updates lift it.
 * </ol>
 *
 * <p>Threading: owned by the connection's event loop thread.
 */
final class OutboundWindow {
    private long window;
    /** Octets sent through this window so far (the minimum data rate watches it). */
    private long taken;

    OutboundWindow(long initial) {
        this.window = initial;
    }

    /** @return octets that may be sent now, never negative */
    int available() {
        return (int) Math.max(0, Math.min(window, Integer.MAX_VALUE));
    }

    void take(int octets) {
        window -= octets;
        taken += octets;
    }

    /** @return octets sent through this window so far */
    long taken() {
        return taken;
    }

    /** @return false if the window would exceed 2^31-1 (left unchanged then) */
    boolean add(long delta) {
        long next = window + delta;
        if (next > Frame.MAX_31_BIT) {
            return false;
        }
        window = next;
        return true;
    }
}
