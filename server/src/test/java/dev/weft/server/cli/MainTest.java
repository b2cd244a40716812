package dev.weft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line's answers to help and to mistakes: one line, the right exit status. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsCommandsAndFlags() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String word : new String[] {"serve", "plugins", "wireproto --stdio", "--transport", "--protocol", "--root", "--loops",
                "--max-ram", "--max-disk", "--max-header", "--max-parts", "--tmp-dir", "--min-request-rate", "--min-response-rate",
                "--rate-grace", "--wireproto-revision", "--wireproto-max-pending-commands", "JAVA_OPTS"}) {
            assertTrue(help.contains(word), "help should mention " + word);
        }
    }

    @Test
    void unknownFlagIsAUsageError() {
        assertEquals(Main.USAGE, run("serve", "--colour", "blue"));
        assertEquals("weft: unknown flag --colour (see weft --help)\n", err());
    }

    @Test
    void missingValueAndStrayArgumentAreUsageErrors() {
        assertEquals(Main.USAGE, run("serve", "--port"));
        assertEquals("weft: --port needs a value (see weft --help)\n", err());
        err.reset();
        assertEquals(Main.USAGE, run("serve", "8080"));
        assertEquals("weft: unexpected argument '8080' (see weft --help)\n", err());
    }

    @Test
    void serveHelpIsTheHelp() {
        assertEquals(0, run("serve", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--h2-max-concurrent-streams N"));
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertEquals(Main.USAGE, run("dance"));
        assertEquals("weft: unknown command 'dance' (see weft --help)\n", err());
    }

    @Test
    void badNumbersAndSizesAreUsageErrors() {
        assertEquals(Main.USAGE, run("serve", "--port", "eighty"));
        assertEquals("weft: --port must be a whole number: eighty (see weft --help)\n", err());
        err.reset();
        assertEquals(Main.USAGE, run("serve", "--port", "70000"));
        assertEquals("weft: --port must be 0..65535: 70000 (see weft --help)\n", err());
        err.reset();
        assertEquals(Main.USAGE, run("serve", "--root", "../demo", "--port", "0", "--max-ram", "lots"));
        assertTrue(err().startsWith("weft: ") && err().contains("lots") && err().endsWith("(see weft --help)\n"), err());
    }

    @Test
    void badWireprotoFlagsAreUsageErrors() {
        assertEquals(Main.USAGE, run("serve", "--wireproto-revision", "0003"));
        assertEquals("weft: --wireproto-revision must be 0001 or 0002: 0003 (see weft --help)\n", err());
        err.reset();
        assertEquals(Main.USAGE, run("wireproto", "--stdio", "--wireproto-revision", "two"));
        assertEquals("weft: --wireproto-revision must be 0001 or 0002: two (see weft --help)\n", err());
    }

    @Test
    void missingRootFailsWithOneLine() {
        assertEquals(Main.FAILED, run("serve", "--root", "/no/such/folder"));
        assertEquals("weft: root folder /no/such/folder does not exist or is not a folder (--root)\n", err());
    }

    @Test
    void unknownTransportFailsNamingTheProvidedOnes() {
        assertEquals(Main.FAILED, run("serve", "--root", "../demo", "--port", "0", "--transport", "carrier-pigeon"));
        assertEquals("weft: no transport named 'carrier-pigeon'; provided: epoll, nio\n", err());
    }

    @Test
    void wireprotoWithoutStdioSaysHowToUseIt() {
        assertEquals(Main.USAGE, run("wireproto"));
        assertTrue(err().contains("wireproto needs --stdio"), err());
    }

    @Test
    void pluginsListsEveryKind() {
        assertEquals(0, run("plugins"));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("dev.weft.transport.nio.NioPlugin"), listing);
        assertTrue(listing.matches("(?s).*\\n  nio +available.*"), listing);
        assertTrue(listing.matches("(?s).*\\n  h2 +available.*"), listing);
        assertTrue(listing.matches("(?s).*\\n  wireproto +available.*"), listing);
        assertTrue(listing.matches("(?s).*\\n  line +available.*dev.weft.server.testplugin.LineProtocol.*"), listing);
        assertTrue(listing.matches("(?s).*\\n  default +max-ram.*"), listing);
    }
}
