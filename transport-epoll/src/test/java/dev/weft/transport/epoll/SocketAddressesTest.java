package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** sockaddr_in / sockaddr_in6 byte layouts and round trips. */
class SocketAddressesTest {

    @Test
    void ipv4IsFamilyPortBigEndianThenAddress() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(128);
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName("192.168.1.2"), 0x1F90);
            int length = SocketAddresses.encode(address, buffer);
            assertEquals(16, length);
            byte[] bytes = buffer.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE);
            // family AF_INET=2 little-endian, port 8080 = 0x1F90 big-endian, then 192.168.1.2
            assertEquals(2, bytes[0]);
            assertEquals(0, bytes[1]);
            assertEquals(0x1F, bytes[2]);
            assertEquals((byte) 0x90, bytes[3]);
            assertEquals((byte) 192, bytes[4]);
            assertEquals((byte) 2, bytes[7]);
            assertEquals(address, SocketAddresses.decode(buffer, length));
        }
    }

    @Test
    void ipv6RoundTripsWithHighPort() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(128);
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 65535);
            int length = SocketAddresses.encode(address, buffer);
            assertEquals(28, length);
            assertEquals(10, buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            assertEquals(address, SocketAddresses.decode(buffer, length));
        }
    }

    @Test
    void everyPortRoundTrips() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(128);
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            for (int port = 0; port <= 65535; port++) {
                int length = SocketAddresses.encode(new InetSocketAddress(loopback, port), buffer);
                assertEquals(port, SocketAddresses.decode(buffer, length).getPort());
            }
        }
    }

    @Test
    void unresolvedAndUnknownFamiliesAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(128);
            assertThrows(IllegalArgumentException.class,
                    () -> SocketAddresses.encode(InetSocketAddress.createUnresolved("nowhere.invalid", 80), buffer));
            buffer.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 1); // AF_UNIX
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> SocketAddresses.decode(buffer, 110));
            assertEquals(true, refused.getMessage().contains("family 1"));
        }
    }
}
