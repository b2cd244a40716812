package dev.weft.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Secondary JMH counters, reported as rates next to the primary score: {@code bytes} (divide by
 * 1e6 for MB/s) and {@code frames} (or parts, commands: whatever unit the benchmark counts).
 * JMH sums them per iteration and divides by its time, so they are per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Throughput {
    /** Bytes processed. */
    public long bytes;
    /** Units (frames, commands, header blocks) processed. */
    public long frames;

    /** Zeroes the counters at each iteration, as JMH expects of operation counters. */
    @Setup(Level.Iteration)
    public void reset() {
        bytes = 0;
        frames = 0;
    }
}
