package dev.weft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.wireproto.FrameCodec;
import dev.weft.wireproto.WireprotoClient;
import dev.weft.wireproto.WireprotoCommand;
import dev.weft.wireproto.WireprotoReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./weft wireproto --stdio} as a peer sees it, like {@code hg serve --stdio}: frames on
 * stdin, answers on stdout after end of input, logs on stderr only. Runs after packaging
 * (failsafe), from the repository root.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WireprotoStdioIT {
    private Process process;
    private Path stderr;

    @BeforeEach
    void launch(@TempDir Path temp) throws IOException {
        // Failsafe runs in the server module's directory; the launcher sits in its parent.
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path launcher = root.resolve("weft");
        assertTrue(Files.isExecutable(launcher), "no executable launcher at " + launcher);
        stderr = temp.resolve("stderr.txt");
        process = new ProcessBuilder(launcher.toString(), "wireproto", "--stdio").directory(root.toFile())
                .redirectError(stderr.toFile()).start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Test
    void echoCommandsAreAnsweredAfterEndOfInputAndTheServerExits() throws Exception {
        byte[] allBytes = new byte[256];
        for (int i = 0; i < allBytes.length; i++) {
            allBytes[i] = (byte) i;
        }
        try (WireprotoClient client = WireprotoClient.over(process)) {
            List<WireprotoReply> replies = client.exchange(List.of(
                    WireprotoCommand.of("echo").withData("from data"),
                    WireprotoCommand.of("echo").withArgument("msg", "from msg"),
                    WireprotoCommand.of("echo"),
                    WireprotoCommand.of("no-such-command"),
                    WireprotoCommand.of("echo").withArgument("msg", allBytes)));
            // an argument value is a byte string: 0x00..0xFF come back as the same 256 bytes
            org.junit.jupiter.api.Assertions.assertArrayEquals(allBytes,
                    assertInstanceOf(WireprotoReply.Success.class, replies.get(4)).body());
            assertEquals("from data", assertInstanceOf(WireprotoReply.Success.class, replies.get(0)).text());
            assertEquals("from msg", assertInstanceOf(WireprotoReply.Success.class, replies.get(1)).text());
            assertEquals("", assertInstanceOf(WireprotoReply.Success.class, replies.get(2)).text());
            String unknown = assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(3)).message();
            assertTrue(unknown.contains("no-such-command"), unknown);
            // Only frames on stdout: nothing follows the last answer but the end.
            assertEquals(-1, process.getInputStream().read());
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the server did not exit at end of input");
        assertEquals(0, process.exitValue(), Files.readString(stderr));
    }

    @Test
    void malformedInputGetsAProtocolErrorAndTheServerExits() throws Exception {
        try (WireprotoClient client = WireprotoClient.over(process)) {
            client.sendRaw(FrameCodec.encodeRaw(4, 2, "not a command".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, client.readReply());
            assertTrue(error.fromServer(), error.message());
            assertEquals(-1, process.getInputStream().read());
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the server did not exit after a protocol error");
    }
}
