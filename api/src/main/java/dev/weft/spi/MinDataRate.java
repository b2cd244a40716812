package dev.weft.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The slowest a peer may move a request body in or a response out, like Kestrel's
 * {@code MinRequestBodyDataRate} / {@code MinResponseDataRate} and Jetty's {@code MinDataRate}:
 * it stops slow-drip bodies and readers that hold a stream (and its handler thread) with a
 * byte now and then, which neither the idle timeout nor the slow-peer timeout sees.
 *
 * <p>Only time the peer is to blame is counted: for a request body, while the body is open and
 * the peer has flow-control credit to send (a handler that does not read stops the clock); for
 * a response, while a piece of it waits on the peer (its window or its socket). Over every
 * {@code grace} of such time the peer must move {@code bytesPerSecond × grace} octets, or the
 * stream is reset (a peer that reads nothing at all loses the connection).
 *
 * @param requestBytesPerSecond the slowest request body accepted, octets per second; 0 turns the check off
 * @param responseBytesPerSecond the slowest response reading accepted, octets per second; 0 turns it off
 * @param grace the stretch of blamed time each check covers (a slow start or a pause within it is forgiven)
 */
public record MinDataRate(long requestBytesPerSecond, long responseBytesPerSecond, Duration grace) {
    /** Kestrel's defaults: 240 octets per second, checked over 5 s. */
    public static final MinDataRate DEFAULTS = new MinDataRate(240, 240, Duration.ofSeconds(5));
    /** No minimum rate. */
    public static final MinDataRate OFF = new MinDataRate(0, 0, Duration.ofSeconds(5));

    /** @throws IllegalArgumentException for a negative rate or a grace under 1 ms */
    public MinDataRate {
        Objects.requireNonNull(grace, "grace is null");
        if (requestBytesPerSecond < 0 || responseBytesPerSecond < 0) {
            throw new IllegalArgumentException("rates must be >= 0: " + requestBytesPerSecond + ", " + responseBytesPerSecond);
        }
        if (grace.toMillis() < 1) {
            throw new IllegalArgumentException("grace must be at least 1 ms: " + grace);
        }
    }

    /** @return whether either direction is checked */
    public boolean isOn() {
        return requestBytesPerSecond > 0 || responseBytesPerSecond > 0;
    }

    /** @return these rates with another request body minimum */
    public MinDataRate withRequest(long bytesPerSecond) {
        return new MinDataRate(bytesPerSecond, responseBytesPerSecond, grace);
    }

    /** @return these rates with another response minimum */
    public MinDataRate withResponse(long bytesPerSecond) {
        return new MinDataRate(requestBytesPerSecond, bytesPerSecond, grace);
    }

    /** @return these rates checked over another grace */
    public MinDataRate withGrace(Duration value) {
        return new MinDataRate(requestBytesPerSecond, responseBytesPerSecond, value);
    }
}
