package dev.weft.http2.core;

/**
 * A receive window we advertise, at one level (connection or stream), and its update policy:
 *
 * <ol>
 *   <li>Received flow-controlled octets are taken from the window; more than it holds is a
 *       FLOW_CONTROL_ERROR (the caller picks the scope).
 *   <li>Octets the application has consumed (or we discarded) are added to a pending credit.
 *   <li>When the pending credit reaches half the target window, it is returned to the peer in
 *       one WINDOW_UPDATE, so updates stay few (no window dribble from our side) and the peer
 *       never stalls for long.
 * </ol>
 *
 * <p>Threading: owned by the connection's event loop thread.
 */
final class InboundWindow {
    private final int target;
    private long window;
    private long pendingCredit;

    InboundWindow(int initial, int target) {
        this.window = initial;
        this.target = target;
    }

    /** @return whether {@code octets} fit; if so they are taken from the window */
    boolean receive(int octets) {
        if (octets > window) {
            return false;
        }
        window -= octets;
        return true;
    }

    /** @return the increment to send now, or 0 to wait for more credit */
    int consumed(int octets) {
        pendingCredit += octets;
        if (pendingCredit < target / 2) {
            return 0;
        }
        int increment = (int) pendingCredit;
        window += increment;
        pendingCredit = 0;
        return increment;
    }

    /** @return the octets the peer may still send */
    long window() {
        return window;
    }

    /** Adds an increment announced out of the normal policy (the opening connection update). */
    void grow(int increment) {
        window += increment;
    }
}
