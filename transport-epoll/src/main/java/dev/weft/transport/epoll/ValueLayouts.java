package dev.weft.transport.epoll;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Value layouts the C structs need beyond {@link ValueLayout}'s aligned defaults. */
final class ValueLayouts {
    /** A 64-bit word at any offset: packed {@code epoll_event.data} sits at offset 4 on x86-64. */
    static final ValueLayout.OfLong LONG_UNALIGNED = ValueLayout.JAVA_LONG_UNALIGNED;
    /** A 16-bit port in network byte order. */
    static final ValueLayout.OfShort SHORT_BIG_ENDIAN = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** A 16-bit field in host order (sa_family). */
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private ValueLayouts() {
    }
}
