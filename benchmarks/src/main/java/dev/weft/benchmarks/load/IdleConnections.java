package dev.weft.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens {@code --count} HTTP/2 connections, sends each the client preface and an empty
 * SETTINGS frame, reads the server's first bytes (its SETTINGS), then holds them all idle for
 * {@code --hold} seconds and closes them. Prints {@code opened N} once all are up, so a script
 * can measure the server's heap while they are held.
 */
public final class IdleConnections {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

    private IdleConnections() {
    }

    /**
     * @param args {@code --host --port --count --hold}
     * @throws IOException if a connection fails
     * @throws InterruptedException if interrupted while holding
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Args flags = new Args(args);
        InetSocketAddress address = new InetSocketAddress(flags.get("host", "127.0.0.1"), flags.getInt("port", 8080));
        int count = flags.getInt("count", 10_000);
        int hold = flags.getInt("hold", 20);
        List<SocketChannel> channels = new ArrayList<>(count);
        ByteBuffer hello = ByteBuffer.allocate(PREFACE.length + EMPTY_SETTINGS.length).put(PREFACE).put(EMPTY_SETTINGS);
        ByteBuffer scratch = ByteBuffer.allocate(4096);
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open(address);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.write(hello.flip());
                hello.position(hello.limit());
                scratch.clear();
                if (channel.read(scratch) <= 0) {
                    throw new IOException("connection " + i + " closed before the server's SETTINGS");
                }
                channels.add(channel);
            }
            System.out.println("opened " + channels.size());
            System.out.flush();
            Thread.sleep(hold * 1000L);
        } finally {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }
}
