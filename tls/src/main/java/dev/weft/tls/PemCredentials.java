package dev.weft.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads a PEM certificate chain and a PKCS#8 PEM private key ({@code -----BEGIN PRIVATE KEY-----},
 * RSA, EC or Ed25519), and checks that the key belongs to the first certificate. The other PEM
 * key forms get an error naming the {@code openssl} command that converts them.
 *
 * <p>Stateless.
 */
final class PemCredentials {
    /** Key algorithms tried on a PKCS#8 key, in order; the key's own header names none. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "RSASSA-PSS");

    private PemCredentials() {
    }

    /** A private key and the certificate chain it signs for, leaf first. */
    record Credentials(PrivateKey key, List<X509Certificate> chain) {
    }

    static Credentials read(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = readChain(certificateFile);
        PrivateKey key = readKey(keyFile);
        checkPair(key, chain.getFirst(), certificateFile, keyFile);
        return new Credentials(key, chain);
    }

    static List<X509Certificate> readChain(Path file) {
        byte[] bytes = readFile(file, "certificate");
        try {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes)).stream()
                    .map(X509Certificate.class::cast).toList();
            if (chain.isEmpty()) {
                throw new TlsConfigException("no certificate in " + file + " (want PEM: -----BEGIN CERTIFICATE-----)");
            }
            return chain;
        } catch (CertificateException e) {
            throw new TlsConfigException("cannot read the certificate " + file + ": " + e.getMessage()
                    + " (want PEM: -----BEGIN CERTIFICATE-----)", e);
        }
    }

    static PrivateKey readKey(Path file) {
        String text = new String(readFile(file, "key"), StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new TlsConfigException("the key " + file + " is encrypted; give an unencrypted PKCS#8 key: "
                    + "openssl pkcs8 -in " + file + " -out key.pem");
        }
        for (String legacy : List.of("RSA", "EC", "DSA")) {
            if (text.contains("-----BEGIN " + legacy + " PRIVATE KEY-----")) {
                throw new TlsConfigException("the key " + file + " is in the old " + legacy + " form, not PKCS#8; convert it: "
                        + "openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
            }
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int from = text.indexOf(begin);
        int to = from < 0 ? -1 : text.indexOf(end, from);
        if (from < 0 || to < 0) {
            throw new TlsConfigException("no private key in " + file + " (want PKCS#8 PEM: " + begin + ")");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException("the key " + file + " is not valid base64 between its PEM lines", e);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new TlsConfigException("the key " + file + " is not an RSA, EC or Ed25519 PKCS#8 key this JDK reads");
    }

    /** Signs a probe with the key and verifies it with the certificate: catches a key of another certificate. */
    private static void checkPair(PrivateKey key, X509Certificate leaf, Path certificateFile, Path keyFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, EdDSA
        };
        byte[] probe = "weft key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                verifier.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsConfigException("the key " + keyFile + " does not belong to the first certificate of "
                    + certificateFile + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
    }

    private static byte[] readFile(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsConfigException("cannot read the " + what + " file " + file + ": " + e, e);
        }
    }
}
