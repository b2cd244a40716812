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
import java.util.concurrent.locks.ReadWriteLock;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The honest client beside each attack: OkHttp with HTTP/2 prior knowledge, calling
 * {@code GET /hello} and {@code POST /echo} in a loop on its own connection and checking every
 * answer byte for byte; with {@link #withUploads} every third call is a multipart
 * {@code POST /upload} whose JSON summary must carry the file's size and SHA-256.
 *
 * <p>Each call holds the read side of an optional {@link #gate}: a test that must stop the
 * server (the soak's kill -9) takes the write side, so no honest call is in flight then.
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
    /** Held (read side) around each call; null when nobody pauses this client. */
    private ReadWriteLock gate;
    private boolean uploads;
    final AtomicLong uploadsDone = new AtomicLong();

    HonestClient(InetSocketAddress address) {
        this.client = new OkHttpClient.Builder()
                .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .callTimeout(Duration.ofSeconds(10))
                .retryOnConnectionFailure(false)
                .build();
        this.base = "http://" + address.getHostString() + ":" + address.getPort();
    }

    /** Every third call becomes a multipart upload (set before {@link #start}). */
    HonestClient withUploads() {
        uploads = true;
        return this;
    }

    /** Calls hold {@code value}'s read lock (set before {@link #start}). */
    HonestClient gatedBy(ReadWriteLock value) {
        gate = value;
        return this;
    }

    /** Drops the pooled connections (the server behind them was restarted); call with the gate shut. */
    void dropConnections() {
        client.connectionPool().evictAll();
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
        if (gate == null) {
            timedCall(i);
            return;
        }
        gate.readLock().lock();
        try {
            timedCall(i);
        } finally {
            gate.readLock().unlock();
        }
    }

    private void timedCall(long i) throws IOException {
        long started = System.nanoTime();
        if (uploads && i % 3 == 2) {
            upload(i);
        } else if (i % 2 == 0) {
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

    private void upload(long i) throws IOException {
        byte[] file = new byte[16_384 + (int) (i % 200_000)];
        new java.util.Random(i).nextBytes(file);
        String sha256;
        try {
            sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        okhttp3.MultipartBody form = new okhttp3.MultipartBody.Builder().setType(okhttp3.MultipartBody.FORM)
                .addFormDataPart("note", "upload " + i)
                .addFormDataPart("file", "honest-" + i + ".bin", RequestBody.create(file, OCTETS))
                .build();
        try (Response response = client.newCall(new Request.Builder().url(base + "/upload").post(form).build()).execute()) {
            String body = response.body().string();
            check(response.code() == 200 && body.contains("\"size\":" + file.length) && body.contains("\"sha256\":\"" + sha256 + "\""),
                    "POST /upload -> " + response.code() + " " + body);
        }
        uploadsDone.incrementAndGet();
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
