package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The bounded memory of closed streams that §5.1's answers to late frames rely on. */
class StreamTableTest {
    private final StreamTable table = new StreamTable(65_535, 65_535);

    private void finish(int id) {
        StreamTable.Stream s = table.open(id, true, -1);
        table.endLocal(s);
    }

    @Test
    void remembersTheLast256ClosedStreamsAndForgetsOlderOnes() {
        for (int id = 1; id <= 2 * 300; id += 2) {
            finish(id);
        }
        // 300 closed: the 44 oldest are forgotten, the 256 newest remembered.
        assertNull(table.closedBy(1));
        assertNull(table.closedBy(87));
        assertEquals(StreamTable.ClosedBy.FINISHED, table.closedBy(89));
        assertEquals(StreamTable.ClosedBy.FINISHED, table.closedBy(599));
        assertNull(table.closedBy(601), "never opened");
    }

    @Test
    void aResetAfterFinishingIsWhatCounts() {
        finish(1);
        finish(3);
        table.remember(1, StreamTable.ClosedBy.WE_RESET);
        assertEquals(StreamTable.ClosedBy.WE_RESET, table.closedBy(1));
        assertEquals(StreamTable.ClosedBy.FINISHED, table.closedBy(3));
    }

    @Test
    void nothingIsRememberedBeforeTheFirstClose() {
        table.open(1, false, -1);
        assertNull(table.closedBy(1));
    }
}
