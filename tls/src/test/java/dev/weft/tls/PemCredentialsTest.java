package dev.weft.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEM credentials as {@code openssl} writes them: RSA and EC PKCS#8 keys are read and checked
 * against their certificate; the other key forms, a key of another certificate and a missing
 * file each get one line naming the file and the way out.
 */
class PemCredentialsTest {
    @TempDir
    Path temp;

    @Test
    void readsAnRsaCertificateAndItsPkcs8Key() throws Exception {
        Path[] pair = certificate("rsa", "rsa:2048");
        TlsConfig config = TlsConfig.fromPem(pair[0], pair[1]);
        assertTrue(config.description().contains("CN=localhost"), config.description());
        assertTrue(config.description().contains("RSA key"), config.description());
    }

    @Test
    void readsAnEcCertificateAndItsPkcs8Key() throws Exception {
        Path[] pair = certificate("ec", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        assertTrue(TlsConfig.fromPem(pair[0], pair[1]).description().contains("EC key"));
    }

    @Test
    void refusesAKeyOfAnotherCertificate() throws Exception {
        Path[] first = certificate("one", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        Path[] second = certificate("two", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        TlsConfigException error = assertThrows(TlsConfigException.class, () -> TlsConfig.fromPem(first[0], second[1]));
        assertTrue(error.getMessage().contains("does not belong to the first certificate"), error.getMessage());
    }

    @Test
    void refusesTheOldRsaKeyFormWithTheConversionCommand() throws Exception {
        Path[] pair = certificate("legacy", "rsa:2048");
        Path legacy = temp.resolve("legacy-pkcs1.pem");
        openssl("rsa", "-in", pair[1].toString(), "-traditional", "-out", legacy.toString());
        assertTrue(Files.readString(legacy).contains("BEGIN RSA PRIVATE KEY"));
        TlsConfigException error = assertThrows(TlsConfigException.class, () -> TlsConfig.fromPem(pair[0], legacy));
        assertTrue(error.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), error.getMessage());
    }

    @Test
    void missingFilesAreNamed() {
        Path nowhere = temp.resolve("nowhere.pem");
        TlsConfigException error = assertThrows(TlsConfigException.class, () -> TlsConfig.fromPem(nowhere, nowhere));
        assertTrue(error.getMessage().contains("nowhere.pem"), error.getMessage());
    }

    @Test
    void aKeyFileIsNotACertificate() throws Exception {
        Path[] pair = certificate("swap", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        TlsConfigException error = assertThrows(TlsConfigException.class, () -> TlsConfig.fromPem(pair[1], pair[1]));
        assertTrue(error.getMessage().contains("BEGIN CERTIFICATE"), error.getMessage());
    }

    @Test
    void selfSignedCertificateNamesLocalhostAndLeavesNoFiles() throws Exception {
        List<Path> before = selfSignedFolders();
        TlsConfig config = TlsConfig.selfSigned();
        assertTrue(config.description().contains("CN=localhost"), config.description());
        assertEquals(before, selfSignedFolders(), "keytool's temporary key store is deleted");
    }

    private static List<Path> selfSignedFolders() throws IOException {
        try (var entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith("weft-self-signed")).sorted().toList();
        }
    }

    /** @return {certificate, PKCS#8 key} made by {@code openssl req -x509 -newkey <spec>} */
    private Path[] certificate(String name, String... keySpec) throws Exception {
        Path cert = temp.resolve(name + "-cert.pem");
        Path key = temp.resolve(name + "-key.pem");
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-keyout", key.toString(), "-out", cert.toString(), "-newkey"));
        args.addAll(List.of(keySpec));
        openssl(args.toArray(String[]::new));
        assertTrue(Files.readString(key).contains("BEGIN PRIVATE KEY"), "openssl writes PKCS#8");
        return new Path[] {cert, key};
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ExternalTool.require("openssl", "openssl"));
        command.addAll(List.of(args));
        Path log = temp.resolve("openssl.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish");
        }
        assertEquals(0, process.exitValue(), () -> command + ": " + readQuietly(log));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
