package dev.weft.transport.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The per-architecture {@code struct epoll_event} arithmetic, checked for both layouts on any host. */
class EpollEventLayoutTest {

    @Test
    void x86IsPackedTwelveBytesWithDataAtFour() {
        EpollEventLayout layout = EpollEventLayout.forArch("amd64");
        assertSame(EpollEventLayout.X86_64, layout);
        assertEquals(12, layout.size());
        assertEquals(0, layout.eventsAt(0));
        assertEquals(4, layout.dataAt(0));
        assertEquals(12 * 3, layout.eventsAt(3));
        assertEquals(12 * 3 + 4, layout.dataAt(3));
        assertEquals(12 * 1024, layout.arrayBytes(1024));
    }

    @Test
    void aarch64IsPaddedSixteenBytesWithDataAtEight() {
        EpollEventLayout layout = EpollEventLayout.forArch("aarch64");
        assertSame(EpollEventLayout.AARCH64, layout);
        assertEquals(16, layout.size());
        assertEquals(8, layout.dataAt(0));
        assertEquals(16 * 5, layout.eventsAt(5));
        assertEquals(16 * 5 + 8, layout.dataAt(5));
        assertEquals(16 * 1024, layout.arrayBytes(1024));
    }

    @Test
    void unknownArchitectureIsRefusedByName() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> EpollEventLayout.forArch("riscv64"));
        assertEquals(true, refused.getMessage().contains("riscv64"));
    }

    /** Writing element i never touches element i+1's bytes, in either layout. */
    @Test
    void elementsDoNotOverlapInEitherLayout() {
        for (EpollEventLayout layout : new EpollEventLayout[] {EpollEventLayout.X86_64, EpollEventLayout.AARCH64}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment array = arena.allocate(layout.arrayBytes(4));
                for (int i = 0; i < 4; i++) {
                    array.set(ValueLayout.JAVA_INT_UNALIGNED, layout.eventsAt(i), 0x1000 + i);
                    array.set(ValueLayout.JAVA_LONG_UNALIGNED, layout.dataAt(i), 0x7700_0000_0000L + i);
                }
                for (int i = 0; i < 4; i++) {
                    assertEquals(0x1000 + i, array.get(ValueLayout.JAVA_INT_UNALIGNED, layout.eventsAt(i)), layout + " events " + i);
                    assertEquals(0x7700_0000_0000L + i, array.get(ValueLayout.JAVA_LONG_UNALIGNED, layout.dataAt(i)), layout + " data " + i);
                }
            }
        }
    }
}
