package dev.weft.spi;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One thread that owns a set of connections: their reads, writes and timers all run here, so a
 * connection's state needs no lock. Other threads hand work in with {@link #execute}.
 *
 * <p>Threading: {@link #execute}, {@link #schedule} and {@link #inEventLoop} may be called from
 * any thread. Tasks must not block.
 */
public interface EventLoop extends Executor {

    /** @return whether the calling thread is this loop's thread */
    boolean inEventLoop();

    /**
     * Runs {@code task} on this loop after {@code delay} (coarse: timers are checked once per
     * loop pass, good to a few milliseconds).
     *
     * @return a handle that calls the task off
     */
    Cancellable schedule(Runnable task, Duration delay);
}
