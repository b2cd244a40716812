package dev.weft.transport.epoll;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Encodes and decodes {@code struct sockaddr_in} (16 bytes: family, port in network order,
 * 4-byte address, zero padding) and {@code struct sockaddr_in6} (28 bytes: family, port,
 * flow info, 16-byte address, scope id).
 */
final class SocketAddresses {
    static final int SOCKADDR_IN_SIZE = 16;
    static final int SOCKADDR_IN6_SIZE = 28;

    private SocketAddresses() {
    }

    /** @return the address family a socket for {@code address} needs */
    static int familyOf(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? LinuxNative.AF_INET6 : LinuxNative.AF_INET;
    }

    /**
     * Writes {@code address} into {@code target} (at least 28 bytes, zeroed here first).
     *
     * @return the encoded length to pass to the kernel
     * @throws IllegalArgumentException if the address is unresolved
     */
    static int encode(InetSocketAddress address, MemorySegment target) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot listen on an unresolved address: " + address.getHostString());
        }
        target.asSlice(0, SOCKADDR_IN6_SIZE).fill((byte) 0);
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet6Address v6) {
            target.set(ValueLayouts.SHORT, 0, (short) LinuxNative.AF_INET6);
            target.set(ValueLayouts.SHORT_BIG_ENDIAN, 2, (short) address.getPort());
            MemorySegment.copy(MemorySegment.ofArray(v6.getAddress()), 0, target, 8, 16);
            target.set(ValueLayout.JAVA_INT_UNALIGNED, 24, v6.getScopeId());
            return SOCKADDR_IN6_SIZE;
        }
        target.set(ValueLayouts.SHORT, 0, (short) LinuxNative.AF_INET);
        target.set(ValueLayouts.SHORT_BIG_ENDIAN, 2, (short) address.getPort());
        MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, target, 4, 4);
        return SOCKADDR_IN_SIZE;
    }

    /**
     * Reads an address the kernel wrote.
     *
     * @param length the length the kernel reported
     * @throws IllegalArgumentException for a family other than AF_INET/AF_INET6 or a short length
     */
    static InetSocketAddress decode(MemorySegment source, int length) {
        int family = Short.toUnsignedInt(source.get(ValueLayouts.SHORT, 0));
        int port = Short.toUnsignedInt(source.get(ValueLayouts.SHORT_BIG_ENDIAN, 2));
        try {
            if (family == LinuxNative.AF_INET && length >= SOCKADDR_IN_SIZE) {
                byte[] ip = source.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
                return new InetSocketAddress(Inet4Address.getByAddress(ip), port);
            }
            if (family == LinuxNative.AF_INET6 && length >= SOCKADDR_IN6_SIZE) {
                byte[] ip = source.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
                int scope = source.get(ValueLayout.JAVA_INT_UNALIGNED, 24);
                InetAddress address = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
                return new InetSocketAddress(address, port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address bytes", e);
        }
        throw new IllegalArgumentException("unsupported socket address: family " + family + ", length " + length);
    }
}
