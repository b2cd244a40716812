package dev.weft.body;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the body policy holds right now across the whole process: bytes of form values in memory
 * and of form files on disk, reserved by each request's quota counter and released when its
 * exchange ends. Read by the server's metrics.
 *
 * <p>Threading: thread-safe.
 */
public final class BodyUsage {
    private static final LongAdder RAM = new LongAdder();
    private static final LongAdder DISK = new LongAdder();

    private BodyUsage() {
    }

    /** @return bytes of request bodies held in memory now */
    public static long ramInUse() {
        return RAM.sum();
    }

    /** @return bytes of request bodies held on disk now */
    public static long diskInUse() {
        return DISK.sum();
    }

    static void addRam(long bytes) {
        RAM.add(bytes);
    }

    static void addDisk(long bytes) {
        DISK.add(bytes);
    }
}
