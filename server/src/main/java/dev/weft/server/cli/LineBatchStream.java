package dev.weft.server.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The runnable's standard error: a {@link PrintStream} with a 256 KiB buffer, flushed at the end
 * of every line, whose {@link #println(String)} encodes the whole string in one step.
 *
 * <p>Why: the access log hands slf4j one event of thousands of lines per batch, and slf4j-simple
 * writes an event with {@code println(String)}. The JDK's {@code PrintStream} pushes a string
 * through a char buffer and a charset encoder 8 KiB at a time, which cost about three times as
 * much as formatting the lines ({@code benchmarks/access-log.sh}); {@link String#getBytes(Charset)}
 * of ASCII text is one intrinsic copy. The large buffer lets a batch leave in one {@code write(2)}.
 *
 * <p>Threading: as any {@code PrintStream} subclass, every operation holds this stream's monitor,
 * so this class's direct writes and the inherited ones stay in order.
 */
final class LineBatchStream extends PrintStream {
    private static final int BUFFER_SIZE = 256 * 1024;
    private final OutputStream buffered;
    private final Charset charset;
    private final byte[] lineSeparator;

    private LineBatchStream(OutputStream buffered, Charset charset) {
        super(buffered, true, charset);
        this.buffered = buffered;
        this.charset = charset;
        this.lineSeparator = System.lineSeparator().getBytes(charset);
    }

    /** @return standard error (file descriptor 2) in {@code charset} */
    static LineBatchStream stderr(Charset charset) {
        return over(new FileOutputStream(FileDescriptor.err), charset);
    }

    /** @return a stream writing to {@code target} in {@code charset} (tests) */
    static LineBatchStream over(OutputStream target, Charset charset) {
        return new LineBatchStream(new BufferedOutputStream(target, BUFFER_SIZE), charset);
    }

    @Override
    public void println(String text) {
        byte[] bytes = String.valueOf(text).getBytes(charset);
        synchronized (this) {
            try {
                buffered.write(bytes);
                buffered.write(lineSeparator);
                buffered.flush();
            } catch (IOException e) {
                setError(); // as PrintStream does: checkError() reports it, nothing is thrown
            }
        }
    }
}
