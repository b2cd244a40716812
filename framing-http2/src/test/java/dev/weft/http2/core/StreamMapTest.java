package dev.weft.http2.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The live-stream map against java.util.HashMap, over random puts and removes. */
class StreamMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomUse() {
        StreamMap map = new StreamMap();
        Map<Integer, StreamTable.Stream> model = new HashMap<>();
        Random random = new Random(12);
        for (int step = 0; step < 200_000; step++) {
            int id = 2 * random.nextInt(step < 100_000 ? 300 : 40) + 1;
            if (random.nextInt(3) == 0) {
                assertSame(model.remove(id), map.remove(id), "remove " + id);
            } else if (random.nextBoolean()) {
                StreamTable.Stream s = new StreamTable.Stream(id, StreamTable.State.OPEN, 65_535, 65_535, -1);
                model.put(id, s);
                map.put(id, s);
            } else {
                assertSame(model.get(id), map.get(id), "get " + id);
            }
            assertEquals(model.size(), map.size());
        }
        assertEquals(model.size(), map.values().size());
        for (var e : model.entrySet()) {
            assertSame(e.getValue(), map.get(e.getKey()));
        }
        for (int id : model.keySet().stream().mapToInt(Integer::intValue).toArray()) {
            map.remove(id);
        }
        assertEquals(0, map.size());
        assertNull(map.get(1));
    }
}
