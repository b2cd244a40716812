package dev.weft.server.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineBatchStreamTest {
    private static final String NL = System.lineSeparator();

    @Test
    void aLineLeavesInOneWriteWithItsSeparator() {
        List<byte[]> writes = new ArrayList<>();
        OutputStream target = new OutputStream() {
            @Override
            public void write(int b) {
                writes.add(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                byte[] copy = new byte[len];
                System.arraycopy(b, off, copy, 0, len);
                writes.add(copy);
            }
        };
        String batch = "line one\nline two\n" + "x".repeat(100_000);
        LineBatchStream stream = LineBatchStream.over(target, StandardCharsets.UTF_8);
        stream.println(batch);
        assertEquals(1, writes.size(), "one write(2) for the whole batch");
        assertArrayEquals((batch + NL).getBytes(StandardCharsets.UTF_8), writes.getFirst());
    }

    @Test
    void keepsOrderWithInheritedWritesAndEncodesInItsCharset() {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        LineBatchStream stream = LineBatchStream.over(target, StandardCharsets.UTF_8);
        stream.print("a=");
        stream.println(1);
        stream.println("héllo ☃");
        stream.printf("%s%n", "after");
        stream.println((String) null);
        assertEquals("a=1" + NL + "héllo ☃" + NL + "after" + NL + "null" + NL, target.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFailingTargetSetsTheErrorFlagInsteadOfThrowing() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk full");
            }
        };
        LineBatchStream stream = LineBatchStream.over(broken, StandardCharsets.UTF_8);
        assertFalse(stream.checkError());
        stream.println("lost");
        assertTrue(stream.checkError());
    }
}
