package dev.weft.wireproto;

import dev.weft.spi.ProtocolContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A process serving the test commands on stdin/stdout, as {@code weft wireproto --stdio} does,
 * so that {@link StdioProcessTest} can exercise real process pipes. Logs go to stderr.
 */
public final class StdioTestServer {
    private StdioTestServer() {
    }

    /** Serves until end of input; exit status 0 after a clean end. */
    public static void main(String[] args) throws IOException {
        // System.out must carry frames only: everything else writes to stderr.
        OutputStream stdout = new BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 64 * 1024);
        System.setOut(System.err);
        new WireprotoProtocol().serveStreams(System.in, stdout, ProtocolContext.of(TestCommands.router()));
        stdout.flush();
        System.exit(0);
    }
}
