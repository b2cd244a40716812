package dev.weft.server.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.BodyPolicy;
import dev.weft.http2.Http2Settings;
import dev.weft.spi.MinDataRate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one set-up of the hostile tests: a {@link HostileServer} per test class (in its own temp
 * folder, with the limits the class asks for), its heap after GC at the start, and an honest
 * OkHttp client beside every test that must be served throughout: zero failures and at least one
 * call, checked after each test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final HostileFixture FIXTURE = HostileFixture.defaults().idleTimeout(Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Threading: JUnit's thread; the honest client runs its own.
 */
final class HostileFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private Http2Settings http2 = Http2Settings.defaults();
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxConnections = 10_000;
    private UnaryOperator<BodyPolicy> bodyPolicy = UnaryOperator.identity();
    private MinDataRate minDataRate = MinDataRate.DEFAULTS;
    private boolean honestClient = true;

    private Path dir;
    private HostileServer server;
    private long baselineHeap;
    private HonestClient honest;

    private HostileFixture() {
    }

    /** @return a fixture for the default limits, with an honest client */
    static HostileFixture defaults() {
        return new HostileFixture();
    }

    HostileFixture http2(Http2Settings value) {
        http2 = Objects.requireNonNull(value);
        return this;
    }

    HostileFixture idleTimeout(Duration value) {
        idleTimeout = Objects.requireNonNull(value);
        return this;
    }

    HostileFixture maxConnections(int value) {
        maxConnections = value;
        return this;
    }

    HostileFixture bodyPolicy(UnaryOperator<BodyPolicy> value) {
        bodyPolicy = Objects.requireNonNull(value);
        return this;
    }

    HostileFixture minDataRate(MinDataRate value) {
        minDataRate = Objects.requireNonNull(value);
        return this;
    }

    /** No honest client beside the tests (they drive their own). */
    HostileFixture withoutHonestClient() {
        honestClient = false;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("weft-hostile-");
        server = new HostileServer(dir, http2, idleTimeout, maxConnections, bodyPolicy, minDataRate);
        baselineHeap = HostileServer.usedHeapAfterGc();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (honestClient) {
            honest = new HonestClient(server.address()).start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        if (honest == null) {
            return;
        }
        HonestClient finished = honest;
        honest = null;
        finished.close();
        assertTrue(finished.failures.isEmpty(), () -> "honest client failed: " + finished.failures);
        assertTrue(finished.successes.get() > 0, "honest client made no calls");
        System.out.printf("%s: honest client %d calls, p50 %.1f ms, p99 %.1f ms%n", context.getDisplayName(),
                finished.successes.get(), finished.percentileMillis(50), finished.percentileMillis(99));
    }

    /** @return the server of this test class */
    HostileServer server() {
        return server;
    }

    /** Fails if the server's heap after GC grew more than {@code bound} octets since the class started. */
    void assertHeapBounded(long bound) {
        long used = HostileServer.usedHeapAfterGc();
        assertTrue(used < baselineHeap + bound,
                () -> "heap grew from " + (baselineHeap >> 20) + " MiB to " + (used >> 20) + " MiB");
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
