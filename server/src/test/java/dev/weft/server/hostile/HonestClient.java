package dev.weft.server.hostile;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The honest client beside each attack: OkHttp with HTTP/2 prior knowledge, calling
 * {@code GET /hello} and {@code POST /echo} in a loop on its own connection and checking every
 * answer byte for byte.
 *
 * <p>Threading: {@link #start} and {@link #stop} from the test thread; the loop on a virtual
 * thread; the counters and failure list are concurrent.
 */
final class HonestClient implements AutoCloseable {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    private final OkHttpClient client;
    private final String base;
    final AtomicLong successes = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** Latencies in nanoseconds, appended by the loop. */
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running;
    private Thread loop;

    HonestClient(InetSocketAddress address) {
        this.client = new OkHttpClient.Builder()
                .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .callTimeout(Duration.ofSeconds(10))
                .retryOnConnectionFailure(false)
                .build();
        this.base = "http://" + address.getHostString() + ":" + address.getPort();
    }

    /** Starts the loop after one call that must succeed (the connection is up before the attack). */
    HonestClient start() throws IOException {
        callOnce(0);
        running = true;
        loop = Thread.ofVirtual().name("honest-client").start(() -> {
            long i = 1;
            while (running) {
                try {
                    callOnce(i++);
                } catch (IOException | RuntimeException e) {
                    failures.add(e.toString());
                }
            }
        });
        return this;
    }

    private void callOnce(long i) throws IOException {
        long started = System.nanoTime();
        if (i % 2 == 0) {
            try (Response response = client.newCall(new Request.Builder().url(base + "/hello").build()).execute()) {
                String body = response.body().string();
                check(response.code() == 200 && body.equals("Hello, world!"), "GET /hello -> " + response.code() + " " + body);
            }
        } else {
            byte[] sent = ("honest request " + i + "\n").repeat(100).getBytes();
            Request request = new Request.Builder().url(base + "/echo").post(RequestBody.create(sent, OCTETS)).build();
            try (Response response = client.newCall(request).execute()) {
                byte[] got = response.body().bytes();
                check(response.code() == 200 && java.util.Arrays.equals(got, sent),
                        "POST /echo -> " + response.code() + ", " + got.length + " bytes");
            }
        }
        latencies.add(System.nanoTime() - started);
        successes.incrementAndGet();
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            failures.add("wrong answer: " + what);
        }
    }

    /** Stops the loop and waits for its last call. */
    void stop() throws InterruptedException {
        running = false;
        if (loop != null) {
            loop.join(Duration.ofSeconds(15));
        }
    }

    /** @return the given percentile (0..100) of the call latencies, in milliseconds */
    double percentileMillis(double percentile) {
        List<Long> copy;
        synchronized (latencies) {
            copy = new ArrayList<>(latencies);
        }
        if (copy.isEmpty()) {
            return 0;
        }
        Collections.sort(copy);
        int at = (int) Math.min(copy.size() - 1, Math.ceil(percentile / 100 * copy.size()) - 1);
        return copy.get(Math.max(0, at)) / 1e6;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        try {
            client.dispatcher().executorService().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
