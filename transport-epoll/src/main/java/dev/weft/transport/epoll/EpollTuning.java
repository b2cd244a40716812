package dev.weft.transport.epoll;

import java.util.Locale;

/**
 * The two design choices docs/EPOLL.md measured, kept switchable so the measurement can be
 * repeated: how epoll reports readiness, and how connections reach the loops. The defaults are
 * the measured winners; the system properties {@code weft.epoll.trigger} ({@code level} or
 * {@code edge}) and {@code weft.epoll.accept} ({@code reuseport} or {@code handoff}) override
 * them, for benchmarking only.
 *
 * @param trigger readiness reporting
 * @param accept how accepted connections are spread over the loops
 */
record EpollTuning(Trigger trigger, Accept accept) {

    /** How epoll reports readiness. */
    enum Trigger {
        /** Level-triggered: interest follows what the connection wants (epoll_ctl MOD on change). */
        LEVEL,
        /** Edge-triggered: registered once for in and out; the loop remembers readiness itself. */
        EDGE
    }

    /** How connections reach the loops. */
    enum Accept {
        /** One listening socket per loop with SO_REUSEPORT: the kernel spreads connections. */
        REUSEPORT,
        /** One listening socket on loop 0, which hands each connection to the loops in turn. */
        HANDOFF
    }

    /** The measured defaults (docs/EPOLL.md). */
    static final EpollTuning DEFAULT = new EpollTuning(Trigger.EDGE, Accept.REUSEPORT);

    /** @return the defaults, overridden by the system properties if set */
    static EpollTuning fromSystemProperties() {
        Trigger trigger = Trigger.valueOf(System.getProperty("weft.epoll.trigger", DEFAULT.trigger.name()).toUpperCase(Locale.ROOT));
        Accept accept = Accept.valueOf(System.getProperty("weft.epoll.accept", DEFAULT.accept.name()).toUpperCase(Locale.ROOT));
        return new EpollTuning(trigger, accept);
    }
}
