package dev.weft.server.hostile;

import com.google.inject.Module;
import dev.weft.api.BodyPolicy;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.body.TempDirectory;
import dev.weft.http2.Http2Settings;
import dev.weft.server.Weft;
import dev.weft.server.WeftServer;
import dev.weft.server.demo.DemoRoutes;
import dev.weft.spi.MinDataRate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The real server for the attack tests: {@code weft serve}'s demo routes (with body policy and a
 * private temp directory) on a free loopback port, plus {@code GET /hang}, a handler that blocks
 * until interrupted and counts its starts and interruptions.
 *
 * <p>Threading: start and close from the test thread; the counters are atomic.
 */
final class HostileServer implements AutoCloseable {
    /** Released at close: what a handler that never answers waits for. */
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Size of {@code /files/big.bin}. */
    static final int BIG_FILE = 8 << 20;

    final Path root;
    final TempDirectory temp;
    final WeftServer server;
    final AtomicLong hangStarted = new AtomicLong();
    final AtomicLong hangInterrupted = new AtomicLong();

    HostileServer(Path dir, Http2Settings settings, Duration idleTimeout, int maxConnections) throws IOException {
        this(dir, settings, idleTimeout, maxConnections, UnaryOperator.identity());
    }

    HostileServer(Path dir, Http2Settings settings, Duration idleTimeout, int maxConnections,
                  UnaryOperator<BodyPolicy> policy) throws IOException {
        this(dir, settings, idleTimeout, maxConnections, policy, MinDataRate.DEFAULTS);
    }

    HostileServer(Path dir, Http2Settings settings, Duration idleTimeout, int maxConnections,
                  UnaryOperator<BodyPolicy> policy, MinDataRate minDataRate) throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        byte[] big = new byte[BIG_FILE];
        new Random(8).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        temp = TempDirectory.open(Files.createDirectories(dir.resolve("tmp")));
        Router router = DemoRoutes.create(root, temp);
        router.get("/hang", request -> {
            hangStarted.incrementAndGet();
            try {
                closed.await(); // never answers: only an interrupt (the stream's end) or close() ends it
                return Response.ok("woke up");
            } catch (InterruptedException e) {
                hangInterrupted.incrementAndGet();
                throw e;
            }
        });
        Weft.Builder builder = Weft.builder();
        Module h2 = binder -> binder.bind(Http2Settings.class).toInstance(settings);
        builder.override(h2)
                .handler(router)
                .port(0)
                .eventLoops(2)
                .idleTimeout(idleTimeout)
                .maxConnections(maxConnections)
                .minDataRate(minDataRate)
                .detectionTimeout(settings.slowPeerTimeout());
        builder.bodyPolicy(policy.apply(builder.plugins().bodyPolicy("default").withTempDirectory(temp.runDirectory())));
        server = builder.start();
    }

    static HostileServer withDefaults(Path dir) throws IOException {
        return new HostileServer(dir, Http2Settings.defaults(), Duration.ofSeconds(30), 10_000);
    }

    InetSocketAddress address() {
        return server.address();
    }

    /** @return request temp files ({@code upload-*.tmp}) in the temp directory; all must be gone after each exchange */
    long tempFiles() {
        try (Stream<Path> files = Files.walk(temp.root())) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().startsWith("upload-"))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return used heap after a few full collections, in bytes */
    static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Override
    public void close() {
        server.stop(Duration.ofSeconds(2)).join();
        closed.countDown(); // frees a /hang handler the stop did not interrupt, so no thread outlives the test
        temp.close();
    }
}
