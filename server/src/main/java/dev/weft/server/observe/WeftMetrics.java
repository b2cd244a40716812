package dev.weft.server.observe;

import dev.weft.body.BodyUsage;
import dev.weft.server.WeftServer;
import dev.weft.spi.CompletedExchange;
import dev.weft.spi.EventLoop;
import dev.weft.spi.ExchangeObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's metrics in a Micrometer registry, scraped as Prometheus text on the admin port:
 * <ul>
 *   <li>{@code weft_connections}: open connections; {@code weft_exchanges_active}: exchanges
 *       (HTTP/2 streams, wireproto commands) whose handler runs or whose answer is going out;
 *   <li>{@code weft_exchanges_total{protocol,status}}; {@code weft_exchange_duration_seconds}
 *       (a histogram, by protocol); {@code weft_request_bytes_total},
 *       {@code weft_response_bytes_total} (body octets);
 *   <li>{@code weft_defence_trips_total{defence}}: streams refused, headers too large (431),
 *       connections closed for flooding, slow data rates, bodies over a quota (413);
 *   <li>{@code weft_body_ram_bytes}, {@code weft_body_disk_bytes}: what the body policy holds now;
 *   <li>{@code weft_event_loop_lag_seconds}: the longest a task waited on any event loop in the
 *       last probe (every 500 ms), the sign of a handler or codec blocking a loop.
 * </ul>
 *
 * <p>Threading: thread-safe; exchanges are reported from handler threads, scrapes come from the
 * admin listener's thread, the lag probe runs on its own daemon thread.
 */
public final class WeftMetrics implements ExchangeObserver, AutoCloseable {
    private static final Duration LAG_PROBE_INTERVAL = Duration.ofMillis(500);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LongAdder started = new LongAdder();
    private final LongAdder completed = new LongAdder();
    /** Counters by protocol and status, made on first use (Micrometer's own lookup allocates tags). */
    private final Map<String, Counter> exchanges = new ConcurrentHashMap<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Counter requestBytes;
    private final Counter responseBytes;
    private final Map<Defence, Counter> defences = new EnumMap<>(Defence.class);
    private final Counter bodyTooLarge;
    /** The lag probe's latest result, nanoseconds. */
    private final AtomicLong loopLagNanos = new AtomicLong();
    private final ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("weft-loop-lag").daemon().factory());

    public WeftMetrics() {
        requestBytes = Counter.builder("weft.request.bytes").description("request body octets received").register(registry);
        responseBytes = Counter.builder("weft.response.bytes").description("response body octets sent").register(registry);
        for (Defence defence : Defence.values()) {
            defences.put(defence, defenceCounter(defence.name()));
        }
        bodyTooLarge = defenceCounter("BODY_TOO_LARGE");
        Gauge.builder("weft.exchanges.active", () -> started.sum() - completed.sum())
                .description("exchanges being served").register(registry);
        Gauge.builder("weft.body.ram.bytes", BodyUsage::ramInUse).description("request body bytes the body policy holds in memory").register(registry);
        Gauge.builder("weft.body.disk.bytes", BodyUsage::diskInUse).description("request body bytes the body policy holds on disk").register(registry);
        Gauge.builder("weft.event.loop.lag.seconds", () -> loopLagNanos.get() / 1e9)
                .description("longest wait of a probe task on any event loop, last probe").register(registry);
    }

    private Counter defenceCounter(String name) {
        return Counter.builder("weft.defence.trips").tag("defence", name.toLowerCase(java.util.Locale.ROOT))
                .description("limits against hostile peers that tripped").register(registry);
    }

    /** Adds the running server's gauges (connections) and starts probing its event loops. */
    public void bind(WeftServer server) {
        Gauge.builder("weft.connections", server::connectionCount).description("open connections").register(registry);
        long interval = LAG_PROBE_INTERVAL.toMillis();
        probe.scheduleWithFixedDelay(() -> probeLoops(server), interval, interval, TimeUnit.MILLISECONDS);
    }

    /** Posts a task to every loop that has served a connection; the longest wait is the lag. */
    private void probeLoops(WeftServer server) {
        AtomicLong worst = new AtomicLong();
        java.util.List<java.util.concurrent.CompletableFuture<Void>> waits = new java.util.ArrayList<>();
        for (EventLoop loop : server.eventLoopsSeen()) {
            long posted = System.nanoTime();
            java.util.concurrent.CompletableFuture<Void> ran = new java.util.concurrent.CompletableFuture<>();
            try {
                loop.execute(() -> {
                    worst.accumulateAndGet(System.nanoTime() - posted, Math::max);
                    ran.complete(null);
                });
                waits.add(ran);
            } catch (RejectedExecutionException ended) {
                // the loop has stopped (shutdown)
            }
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(waits.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException stuck) {
            worst.set(TimeUnit.SECONDS.toNanos(5)); // a loop stuck this long: report the bound
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (java.util.concurrent.ExecutionException impossible) {
            // the tasks complete normally
        }
        loopLagNanos.set(worst.get());
    }

    @Override
    public void exchangeStarted(String protocol) {
        started.increment();
    }

    @Override
    public void exchangeCompleted(CompletedExchange exchange) {
        String protocol = exchange.protocol();
        int status = exchange.status();
        exchanges.computeIfAbsent(protocol + ' ' + status, key -> Counter.builder("weft.exchanges")
                .tag("protocol", protocol).tag("status", Integer.toString(status))
                .description("exchanges finished").register(registry)).increment();
        durations.computeIfAbsent(protocol, key -> Timer.builder("weft.exchange.duration").tag("protocol", protocol)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .description("from the request's arrival to the end of its answer").register(registry))
                .record(exchange.durationNanos(), TimeUnit.NANOSECONDS);
        requestBytes.increment(exchange.bytesIn());
        responseBytes.increment(exchange.bytesOut());
        if (status == 413) {
            bodyTooLarge.increment();
        }
        // Last, so that a scrape that sees an exchange no longer active also sees it in every total.
        completed.increment();
    }

    @Override
    public void defenceTripped(String protocol, Defence defence) {
        defences.get(defence).increment();
    }

    /** @return the Prometheus text exposition of every metric */
    public String scrape() {
        return registry.scrape();
    }

    /** @return exchanges started and not yet completed */
    public long activeExchanges() {
        return started.sum() - completed.sum();
    }

    @Override
    public void close() {
        probe.shutdownNow();
        registry.close();
    }
}
