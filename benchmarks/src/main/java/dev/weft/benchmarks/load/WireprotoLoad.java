package dev.weft.benchmarks.load;

import dev.weft.wireproto.FramingRevision;
import dev.weft.wireproto.WireprotoClient;
import dev.weft.wireproto.WireprotoCommand;
import dev.weft.wireproto.WireprotoReply;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario S5's load generator: {@code --connections} TCP connections, each sending wireproto
 * {@code echo} commands (one argument, {@code --size} bytes of data) through the project's
 * {@link WireprotoClient}, keeping {@code --inflight} commands in flight per connection (1: one
 * at a time, as S5 always did), in framing revision {@code --revision} (0001: answers in order,
 * so more in flight is pipelining; 0002: request ids, the server runs them side by side), for
 * {@code --warmup} then {@code --duration} seconds. Prints one JSON line: commands/s, MB/s of
 * echoed data (one direction), p50/p99 latency in microseconds (from sending a command to its
 * answer), failures. Bounded in time; stops by itself.
 */
public final class WireprotoLoad {
    private WireprotoLoad() {
    }

    /**
     * @param args {@code --host --port --connections --size --warmup --duration --inflight --revision}
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        Args flags = new Args(args);
        InetSocketAddress address = new InetSocketAddress(flags.get("host", "127.0.0.1"), flags.getInt("port", 8080));
        int connections = flags.getInt("connections", 8);
        int size = flags.getInt("size", 4096);
        long warmupNanos = flags.getInt("warmup", 3) * 1_000_000_000L;
        long durationNanos = flags.getInt("duration", 10) * 1_000_000_000L;
        int inflight = flags.getInt("inflight", 1);
        FramingRevision revision = FramingRevision.fromNumber(flags.get("revision", "0001"))
                .orElseThrow(() -> new IllegalArgumentException("--revision must be 0001 or 0002"));
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'w');
        WireprotoCommand command = WireprotoCommand.of("echo").withArgument("note", "bench").withData(payload);

        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        int[] counts = new int[connections];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long[] mine = new long[1 << 22];
            latencies.add(mine);
            int index = c;
            threads.add(Thread.ofPlatform().name("wireproto-load-" + c).start(() -> {
                try (WireprotoClient client = connect(address, revision)) {
                    // Send times of the commands in flight, by request id (0001: all 0, in order).
                    Map<Integer, ArrayDeque<Long>> sentAt = new HashMap<>();
                    for (int i = 0; i < inflight; i++) {
                        send(client, command, sentAt);
                    }
                    while (!stop.get()) {
                        WireprotoClient.Answer answer = client.nextAnswer();
                        long took = System.nanoTime() - sentAt.get(answer.requestId()).removeFirst();
                        boolean ok = answer.reply() instanceof WireprotoReply.Success success && success.body().length == size;
                        if (measuring.get()) {
                            if (!ok) {
                                failures.incrementAndGet();
                            } else if (counts[index] < mine.length) {
                                mine[counts[index]++] = took;
                            }
                        }
                        if (answer.reply() instanceof WireprotoReply.ProtocolError) {
                            break;
                        }
                        send(client, command, sentAt);
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                    System.err.println("wireproto-load: connection " + index + " failed: " + e);
                }
            }));
        }
        Thread.sleep(warmupNanos / 1_000_000);
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(durationNanos / 1_000_000);
        measuring.set(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(5_000);
        }
        int total = 0;
        for (int count : counts) {
            total += count;
        }
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < connections; c++) {
            System.arraycopy(latencies.get(c), 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        double rps = total / seconds;
        System.out.println(String.format(Locale.ROOT,
                "{\"requests\": %d, \"rps\": %.1f, \"mibps\": %.2f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"failures\": %d, "
                        + "\"inflight\": %d, \"revision\": \"%s\"}",
                total, rps, rps * size / (1 << 20), percentile(all, 0.50) / 1e3, percentile(all, 0.99) / 1e3, failures.get(),
                inflight, revision.number()));
        System.exit(0);
    }

    /** Like {@link WireprotoClient#connect}, with Nagle off: a command is several small writes. */
    private static WireprotoClient connect(InetSocketAddress address, FramingRevision revision) throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, 10_000);
        return WireprotoClient.over(socket, revision);
    }

    private static void send(WireprotoClient client, WireprotoCommand command, Map<Integer, ArrayDeque<Long>> sentAt)
            throws java.io.IOException {
        long now = System.nanoTime();
        sentAt.computeIfAbsent(client.send(command), id -> new ArrayDeque<>()).addLast(now);
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
    }
}
