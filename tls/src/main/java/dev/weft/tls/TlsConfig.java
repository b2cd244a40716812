package dev.weft.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The server's side of TLS: its certificate chain and private key, in a JDK {@link SSLContext},
 * and how each connection's {@link SSLEngine} is set up: TLS 1.3 and 1.2 only, and under 1.2 only
 * the ephemeral-key AEAD cipher suites that HTTP/2 allows (RFC 9113 §9.2).
 *
 * <pre>{@code
 * TlsConfig tls = TlsConfig.fromPem(Path.of("cert.pem"), Path.of("key.pem"));
 * TlsConfig dev = TlsConfig.selfSigned();   // localhost, 127.0.0.1, ::1; 30 days
 * }</pre>
 *
 * <p>Immutable and thread-safe: one config serves every connection of a server.
 */
public final class TlsConfig {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLContext context;
    private final String description;
    private final String[] cipherSuites;

    private TlsConfig(SSLContext context, String description) {
        this.context = context;
        this.description = description;
        SSLParameters supported = context.getSupportedSSLParameters();
        this.cipherSuites = Arrays.stream(context.getDefaultSSLParameters().getCipherSuites())
                .filter(TlsConfig::allowedByHttp2)
                .filter(suite -> Arrays.asList(supported.getCipherSuites()).contains(suite))
                .sorted(java.util.Comparator.comparingInt(TlsConfig::preference))
                .toArray(String[]::new);
    }

    /**
     * Reads a PEM certificate chain (leaf first) and its PKCS#8 PEM private key (RSA, EC or
     * Ed25519; {@code -----BEGIN PRIVATE KEY-----}).
     *
     * @throws TlsConfigException one line naming the file and what is wrong with it
     */
    public static TlsConfig fromPem(Path certificateChain, Path privateKey) {
        Objects.requireNonNull(certificateChain, "certificateChain is null");
        Objects.requireNonNull(privateKey, "privateKey is null");
        PemCredentials.Credentials credentials = PemCredentials.read(certificateChain, privateKey);
        return fromCredentials(credentials, certificateChain.toString());
    }

    /**
     * Makes a new development certificate for {@code localhost}, {@code 127.0.0.1} and
     * {@code ::1} (EC P-256, valid 30 days) with the running JDK's {@code keytool}. Clients must be
     * told to accept it ({@code curl -k}); never for production.
     *
     * @throws TlsConfigException if keytool is missing or fails
     */
    public static TlsConfig selfSigned() {
        return fromCredentials(SelfSignedCertificate.create(), "self-signed, made at start-up");
    }

    /**
     * Uses an {@link SSLContext} the caller built (from a key store, a hardware module, ...).
     *
     * @param description what to log about its credentials
     */
    public static TlsConfig of(SSLContext context, String description) {
        return new TlsConfig(Objects.requireNonNull(context, "context is null"),
                Objects.requireNonNull(description, "description is null"));
    }

    private static TlsConfig fromCredentials(PemCredentials.Credentials credentials, String source) {
        X509Certificate leaf = credentials.chain().getFirst();
        try {
            char[] password = "weft".toCharArray(); // in-memory store only; never written anywhere
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("weft", credentials.key(), password, credentials.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            String description = leaf.getSubjectX500Principal().getName() + ", " + credentials.key().getAlgorithm()
                    + " key, valid until " + leaf.getNotAfter().toInstant() + " (" + source + ")";
            return new TlsConfig(context, description);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsConfigException("cannot set up TLS with the certificate of " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * AES-128-GCM first (what most servers prefer; the JDK's AES-GCM is intrinsified, and 128-bit
     * keys take fewer rounds than 256), then AES-256-GCM, then ChaCha20; the sort is stable, so
     * the JDK's order stays within each group. The server's order wins ({@code useCipherSuitesOrder}).
     */
    private static int preference(String suite) {
        if (suite.contains("AES_128_GCM")) {
            return 0;
        }
        return suite.contains("AES_256_GCM") ? 1 : 2;
    }

    /** RFC 9113 §9.2.2: under TLS 1.2 only ephemeral key exchange with an AEAD cipher. */
    private static boolean allowedByHttp2(String suite) {
        if (suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")) {
            return true; // TLS 1.3 suites
        }
        return suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("_CHACHA20_"));
    }

    /** @return the JDK context holding the credentials */
    public SSLContext sslContext() {
        return context;
    }

    /** @return one line about the certificate, for the start-up log */
    public String description() {
        return description;
    }

    /** @return the TLS versions offered */
    public List<String> protocols() {
        return List.of(PROTOCOLS);
    }

    /** @return a server-side engine for one connection. Any thread. */
    SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(PROTOCOLS);
        parameters.setCipherSuites(cipherSuites);
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        return engine;
    }
}
