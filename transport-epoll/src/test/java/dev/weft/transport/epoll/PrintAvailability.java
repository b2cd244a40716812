package dev.weft.transport.epoll;

import dev.weft.spi.Availability;

/** Prints the epoll verdict of the JVM it runs in; {@link EpollAvailabilityTest} starts it with other flags. */
public final class PrintAvailability {
    private PrintAvailability() {
    }

    public static void main(String[] args) {
        Availability availability = new EpollTransport().availability();
        System.out.println(availability.available() + "|" + availability.reason());
    }
}
