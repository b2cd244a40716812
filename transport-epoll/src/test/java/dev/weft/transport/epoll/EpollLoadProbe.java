package dev.weft.transport.epoll;

import dev.weft.api.SendProgress;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The measurement behind docs/EPOLL.md (not a test: run by hand, bounded in count). For each
 * tuning it runs three loopback scenarios and reports wall-clock rate and the server loops' own
 * CPU time (ThreadMXBean), which is what the choice is about and is not skewed by the client
 * sharing the machine.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
 *   --add-opens java.base/java.io=ALL-UNNAMED -cp ... dev.weft.transport.epoll.EpollLoadProbe [rounds]</pre>
 */
public final class EpollLoadProbe {
    private static final int LOOPS = 2;
    private static final int ECHO_CONNECTIONS = 16;
    private static final int ECHO_ROUND_TRIPS = 5_000;
    private static final int ECHO_MESSAGE = 128;
    private static final int CHURN_THREADS = 4;
    private static final int CHURN_PER_THREAD = 1_500;
    private static final long FILE_BYTES = 256L << 20;
    private static final int FILE_SENDS = 4;

    private EpollLoadProbe() {
    }

    /** Echoes; "F" asks for the probe file. */
    private static final class ProbeHandler implements ConnectionHandler {
        private final Connection connection;
        private final Path file;

        ProbeHandler(Connection connection, Path file) {
            this.connection = connection;
            this.file = file;
        }

        @Override
        public void onRead(ByteBuffer data) {
            if (data.remaining() == 1 && data.get(data.position()) == 'F') {
                try {
                    FileChannel channel = FileChannel.open(file);
                    connection.writeFile(channel, 0, FILE_BYTES, progress -> {
                        if (progress instanceof SendProgress.Done) {
                            try {
                                channel.close();
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    });
                } catch (java.io.IOException e) {
                    connection.abort();
                    return;
                }
            } else {
                connection.write(ByteBuffer.allocate(data.remaining()).put(data).flip());
            }
            connection.flush();
        }

        @Override
        public void onInputClosed() {
            connection.close();
        }

        @Override
        public void onClosed(Throwable cause) {
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Path file = Files.createTempFile("weft-probe", ".bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(1 << 20);
            for (long written = 0; written < FILE_BYTES; written += 1 << 20) {
                out.write(block.clear());
            }
        }
        List<EpollTuning> tunings = List.of(
                new EpollTuning(EpollTuning.Trigger.LEVEL, EpollTuning.Accept.REUSEPORT),
                new EpollTuning(EpollTuning.Trigger.EDGE, EpollTuning.Accept.REUSEPORT),
                new EpollTuning(EpollTuning.Trigger.LEVEL, EpollTuning.Accept.HANDOFF),
                new EpollTuning(EpollTuning.Trigger.EDGE, EpollTuning.Accept.HANDOFF));
        System.out.println("tuning            | echo req/s | echo loop-CPU us/req | churn conn/s | churn loop-CPU us/conn | file GB/s | file loop-CPU ms/GiB");
        try {
            for (int round = 0; round < rounds; round++) {
                for (EpollTuning tuning : tunings) {
                    System.out.println(measure(tuning, file));
                }
            }
        } finally {
            Files.delete(file);
        }
    }

    private static String measure(EpollTuning tuning, Path file) throws Exception {
        TransportServer server = new EpollTransport(tuning).start(
                TransportConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withEventLoops(LOOPS),
                connection -> new ProbeHandler(connection, file));
        try {
            InetSocketAddress address = server.localAddress();
            List<Thread> loops = loopThreads();

            long cpu0 = cpu(loops);
            long t0 = System.nanoTime();
            runAll(ECHO_CONNECTIONS, () -> echo(address));
            double echoSeconds = (System.nanoTime() - t0) / 1e9;
            double echoCpuUsPerRequest = (cpu(loops) - cpu0) / 1e3 / (ECHO_CONNECTIONS * (double) ECHO_ROUND_TRIPS);

            cpu0 = cpu(loops);
            t0 = System.nanoTime();
            runAll(CHURN_THREADS, () -> churn(address));
            double churnSeconds = (System.nanoTime() - t0) / 1e9;
            double churnCpuUs = (cpu(loops) - cpu0) / 1e3 / (CHURN_THREADS * (double) CHURN_PER_THREAD);

            cpu0 = cpu(loops);
            t0 = System.nanoTime();
            downloadFiles(address);
            double fileSeconds = (System.nanoTime() - t0) / 1e9;
            double gib = FILE_SENDS * (double) FILE_BYTES / (1L << 30);
            double fileCpuMsPerGib = (cpu(loops) - cpu0) / 1e6 / gib;

            return String.format(Locale.ROOT, "%-17s | %10.0f | %20.1f | %12.0f | %22.1f | %9.2f | %20.1f",
                    tuning.trigger() + "/" + tuning.accept(),
                    ECHO_CONNECTIONS * (double) ECHO_ROUND_TRIPS / echoSeconds, echoCpuUsPerRequest,
                    CHURN_THREADS * (double) CHURN_PER_THREAD / churnSeconds, churnCpuUs,
                    FILE_SENDS * (double) FILE_BYTES / fileSeconds / 1e9, fileCpuMsPerGib);
        } finally {
            server.close();
        }
    }

    private static List<Thread> loopThreads() {
        List<Thread> loops = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("weft-epoll-")) {
                loops.add(thread);
            }
        }
        return loops;
    }

    private static long cpu(List<Thread> threads) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread thread : threads) {
            total += Math.max(0, bean.getThreadCpuTime(thread.threadId()));
        }
        return total;
    }

    private interface Work {
        void run() throws Exception;
    }

    private static void runAll(int threads, Work work) {
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            runs.add(CompletableFuture.runAsync(() -> {
                try {
                    work.run();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r)));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
    }

    private static void echo(InetSocketAddress address) throws Exception {
        try (SocketChannel channel = SocketChannel.open(address)) {
            channel.socket().setTcpNoDelay(true);
            ByteBuffer out = ByteBuffer.allocateDirect(ECHO_MESSAGE);
            ByteBuffer in = ByteBuffer.allocateDirect(ECHO_MESSAGE);
            for (int i = 0; i < ECHO_ROUND_TRIPS; i++) {
                out.clear();
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (channel.read(in) < 0) {
                        throw new IllegalStateException("closed mid-echo");
                    }
                }
            }
        }
    }

    private static void churn(InetSocketAddress address) throws Exception {
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        for (int i = 0; i < CHURN_PER_THREAD; i++) {
            try (SocketChannel channel = SocketChannel.open(address)) {
                one.clear().put(0, (byte) 'x');
                channel.write(one);
                one.clear();
                if (channel.read(one) != 1) {
                    throw new IllegalStateException("no echo");
                }
            }
        }
    }

    private static void downloadFiles(InetSocketAddress address) throws Exception {
        ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
        for (int i = 0; i < FILE_SENDS; i++) {
            try (SocketChannel channel = SocketChannel.open(address)) {
                channel.write(ByteBuffer.wrap(new byte[] {'F'}));
                long left = FILE_BYTES;
                while (left > 0) {
                    sink.clear();
                    int n = channel.read(sink);
                    if (n < 0) {
                        throw new IllegalStateException("closed mid-file");
                    }
                    left -= n;
                }
            }
        }
    }
}
