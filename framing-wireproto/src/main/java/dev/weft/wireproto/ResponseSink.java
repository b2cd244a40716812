package dev.weft.wireproto;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a command's answer goes: into the reactor, through whichever carrier serves the
 * connection. Called from the command's handler thread; a call may block for back-pressure.
 */
interface ResponseSink {
    /** A chunk of the successful answer; the sink owns the buffer. */
    void data(ByteBuffer chunk) throws IOException;

    /** The successful answer is complete. */
    void end() throws IOException;

    /** The command failed with this message. */
    void error(String message) throws IOException;
}
