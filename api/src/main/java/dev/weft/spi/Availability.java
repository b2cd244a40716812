package dev.weft.spi;

import java.util.Objects;

/**
 * Whether an optional plugin can run here, and if not, why (Netty's
 * {@code Epoll.unavailabilityCause()}): the reason is shown by {@code weft plugins} and in the
 * start-up error when the plugin is asked for anyway.
 *
 * @param available whether it can run
 * @param reason why not (empty when available)
 */
public record Availability(boolean available, String reason) {
    private static final Availability AVAILABLE = new Availability(true, "");

    /** @throws NullPointerException if reason is null */
    public Availability {
        Objects.requireNonNull(reason, "reason is null");
    }

    /** @return the available answer */
    public static Availability availableHere() {
        return AVAILABLE;
    }

    /** @return an unavailable answer with its reason */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
