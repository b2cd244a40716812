package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The stdio carrier in a real child process, driven through {@link WireprotoClient#over(Process)}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StdioProcessTest {
    private Process process;

    @BeforeEach
    void launch(@TempDir Path temp) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), StdioTestServer.class.getName())
                .redirectError(temp.resolve("stderr.txt").toFile()).start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Test
    void exchangeOverProcessPipesThenCleanExit() throws Exception {
        try (WireprotoClient client = WireprotoClient.over(process)) {
            List<WireprotoReply> replies = client.exchange(List.of(
                    WireprotoCommand.of("echo").withArgument("msg", "over a pipe"),
                    WireprotoCommand.of("big").withArgument("size", "100000"),
                    WireprotoCommand.of("fail")));
            assertEquals("over a pipe", assertInstanceOf(WireprotoReply.Success.class, replies.get(0)).text());
            assertEquals(100_000, assertInstanceOf(WireprotoReply.Success.class, replies.get(1)).body().length);
            assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(2));
            assertEquals(-1, process.getInputStream().read());
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
    }

    @Test
    void echoOfAllByteValuesOverProcessPipes() throws Exception {
        try (WireprotoClient client = WireprotoClient.over(process)) {
            List<WireprotoReply> replies = client.exchange(List.of(WireprotoCommand.of("echo").withArgument("msg", ByteValues.allBytes())));
            org.junit.jupiter.api.Assertions.assertArrayEquals(ByteValues.allBytes(),
                    assertInstanceOf(WireprotoReply.Success.class, replies.get(0)).body());
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void protocolErrorEndsTheProcess() throws Exception {
        try (WireprotoClient client = WireprotoClient.over(process)) {
            client.sendRaw(new byte[] {0, 0, 1, 0x11});
            WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, client.readReply());
            assertTrue(error.message().contains("65536"), error.message());
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }
}
