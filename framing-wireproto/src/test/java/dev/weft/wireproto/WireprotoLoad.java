package dev.weft.wireproto;

import dev.weft.spi.ProtocolContext;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.transport.nio.NioTransport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A small, bounded load run over loopback TCP on the NIO transport, for the numbers in the
 * module's notes (not part of the test suite): echo round trips per second with a few
 * clients, then the throughput of one large streamed answer.
 *
 * <p>Usage: {@code java -cp <test class path> dev.weft.wireproto.WireprotoLoad [clients] [calls] [MiB]}
 */
public final class WireprotoLoad {
    private WireprotoLoad() {
    }

    /** Runs the load and prints the numbers. */
    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int mebibytes = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        WireprotoProtocol protocol = new WireprotoProtocol();
        ProtocolContext context = ProtocolContext.of(TestCommands.router());
        try (TransportServer server = new NioTransport().start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1),
                connection -> protocol.open(connection, context))) {
            InetSocketAddress address = server.localAddress();
            // Warm up, then measure.
            roundTrips(address, clients, calls / 4);
            long start = System.nanoTime();
            roundTrips(address, clients, calls);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("echo: %d clients x %d calls in %.2f s = %.0f calls/s%n", clients, calls, seconds,
                    clients * (double) calls / seconds);
            try (WireprotoClient client = WireprotoClient.connect(address)) {
                client.call(WireprotoCommand.of("big").withArgument("size", Long.toString(16L << 20)));
                start = System.nanoTime();
                WireprotoReply reply = client.call(WireprotoCommand.of("big").withArgument("size", Long.toString((long) mebibytes << 20)));
                seconds = (System.nanoTime() - start) / 1e9;
                int length = ((WireprotoReply.Success) reply).body().length;
                System.out.printf("download: %d MiB in %.2f s = %.0f MiB/s%n", length >> 20, seconds, (length >> 20) / seconds);
            }
        }
    }

    private static void roundTrips(InetSocketAddress address, int clients, int calls) throws Exception {
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            running.add(CompletableFuture.runAsync(() -> {
                try (WireprotoClient client = WireprotoClient.connect(address)) {
                    for (int i = 0; i < calls; i++) {
                        WireprotoReply reply = client.call(WireprotoCommand.of("echo").withArgument("msg", "hello"));
                        if (!(reply instanceof WireprotoReply.Success success) || !success.text().equals("hello")) {
                            throw new IllegalStateException("wrong reply " + reply);
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        for (CompletableFuture<Void> future : running) {
            future.get();
        }
    }
}
