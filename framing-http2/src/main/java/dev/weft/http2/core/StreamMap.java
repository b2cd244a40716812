package dev.weft.http2.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The live streams of one connection by id: an open-addressing table of {@code int} keys, so a
 * look-up (several per frame) neither boxes the id nor allocates a node per stream as a
 * {@code HashMap<Integer, ...>} did. Client stream ids are odd, so 0 marks an empty slot.
 * Deletion shifts the following entries back (no tombstones), keeping probes short.
 *
 * <p>Threading: not thread-safe; owned by the connection's event loop thread, through its
 * {@link StreamTable}.
 */
final class StreamMap {
    private static final int INITIAL_CAPACITY = 16;

    private int[] keys = new int[INITIAL_CAPACITY];
    private StreamTable.Stream[] values = new StreamTable.Stream[INITIAL_CAPACITY];
    private int size;

    private static int slot(int key, int mask) {
        return (key * 0x9E3779B9 >>> 16) & mask;
    }

    StreamTable.Stream get(int key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return null;
            }
        }
    }

    void put(int key, StreamTable.Stream value) {
        if (key == 0) {
            throw new IllegalArgumentException("stream 0 is the connection");
        }
        if (2 * (size + 1) > keys.length) {
            resize(2 * keys.length);
        }
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            if (keys[i] == 0) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    StreamTable.Stream remove(int key) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return null;
            }
            i = (i + 1) & mask;
        }
        StreamTable.Stream removed = values[i];
        size--;
        // Shift back every following entry whose home slot does not lie in (i, j].
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (keys[j] == 0) {
                break;
            }
            int home = slot(keys[j], mask);
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                keys[i] = keys[j];
                values[i] = values[j];
                i = j;
            }
        }
        keys[i] = 0;
        values[i] = null;
        if (size == 0 && keys.length > 4 * INITIAL_CAPACITY) {
            keys = new int[INITIAL_CAPACITY]; // a burst of streams must not pin a large table
            values = new StreamTable.Stream[INITIAL_CAPACITY];
        }
        return removed;
    }

    int size() {
        return size;
    }

    /** @return a copy of the values, in no particular order */
    List<StreamTable.Stream> values() {
        List<StreamTable.Stream> all = new ArrayList<>(size);
        for (StreamTable.Stream s : values) {
            if (s != null) {
                all.add(s);
            }
        }
        return all;
    }

    private void resize(int capacity) {
        int[] oldKeys = keys;
        StreamTable.Stream[] oldValues = values;
        keys = new int[capacity];
        values = new StreamTable.Stream[capacity];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}
