package dev.weft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft serve}'s TLS flags: wrong combinations and unusable files get one line and a non-zero exit. */
class TlsFlagsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    @TempDir
    Path temp;

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void certificateWithoutKeyIsAUsageError() {
        assertEquals(Main.USAGE, run("serve", "--port", "0", "--tls-cert", "cert.pem"));
        assertEquals("weft: --tls-cert and --tls-key go together (PEM certificate chain and PKCS#8 PEM key) (see weft --help)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void selfSignedAndPemExcludeEachOther() {
        assertEquals(Main.USAGE, run("serve", "--port", "0", "--tls-self-signed", "--tls-cert", "c.pem", "--tls-key", "k.pem"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("exclude each other"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void missingCertificateFileFailsStartUpNamingIt() {
        Path missing = temp.resolve("missing-cert.pem");
        assertEquals(Main.FAILED, run("serve", "--port", "0", "--tmp-dir", temp.resolve("tmp").toString(),
                "--tls-cert", missing.toString(), "--tls-key", missing.toString()));
        String line = err.toString(StandardCharsets.UTF_8);
        assertTrue(line.startsWith("weft: cannot read the certificate file " + missing), line);
        assertEquals(1, line.lines().count(), line);
    }

    @Test
    void helpShowsTheTlsFlags() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String flag : new String[] {"--tls-cert", "--tls-key", "--tls-self-signed"}) {
            assertTrue(help.contains(flag), "help should mention " + flag);
        }
    }
}
