package dev.weft.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a development certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1} (EC
 * P-256, 30 days) with the running JDK's own {@code keytool -genkeypair}: the JDK has no public API
 * that makes certificates, and this needs no extra dependency. The key store lives in a private
 * temporary folder only while it is read back, and is deleted before this returns.
 *
 * <p>Stateless; each call makes a new key.
 */
final class SelfSignedCertificate {
    /** keytool starts a JVM: a second or two, more on a loaded machine. */
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    private SelfSignedCertificate() {
    }

    static PemCredentials.Credentials create() {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new TlsConfigException("cannot make a self-signed certificate: " + keytool
                    + " is missing (run on a full JDK, or give --tls-cert and --tls-key)");
        }
        Path folder = null;
        try {
            folder = Files.createTempDirectory("weft-self-signed");
            Path store = folder.resolve("dev.p12");
            Path log = folder.resolve("keytool.log");
            byte[] secret = new byte[18];
            new SecureRandom().nextBytes(secret);
            String password = HexFormat.of().formatHex(secret);
            List<String> command = List.of(keytool.toString(), "-genkeypair", "-alias", "weft",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-dname", "CN=localhost, O=Weft development certificate",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-validity", "30",
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass:env", "WEFT_KEYTOOL_PASS", "-keypass:env", "WEFT_KEYTOOL_PASS");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().put("WEFT_KEYTOOL_PASS", password);
            Process process = builder.start();
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new TlsConfigException("cannot make a self-signed certificate: keytool did not finish within "
                        + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new TlsConfigException("cannot make a self-signed certificate: keytool exited with "
                        + process.exitValue() + ": " + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
            char[] pass = password.toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, pass);
            }
            PrivateKey key = (PrivateKey) keyStore.getKey("weft", pass);
            List<X509Certificate> chain = Arrays.stream(keyStore.getCertificateChain("weft"))
                    .map(X509Certificate.class::cast).toList();
            return new PemCredentials.Credentials(key, chain);
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsConfigException("cannot make a self-signed certificate: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TlsConfigException("interrupted while making a self-signed certificate", e);
        } finally {
            deleteQuietly(folder);
        }
    }

    private static void deleteQuietly(Path folder) {
        if (folder == null) {
            return;
        }
        try (var entries = Files.list(folder)) {
            for (Path entry : entries.toList()) {
                Files.deleteIfExists(entry);
            }
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // Best effort; the folder holds only a throwaway development key.
        }
    }
}
