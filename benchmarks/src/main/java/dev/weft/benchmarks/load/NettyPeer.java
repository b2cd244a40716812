package dev.weft.benchmarks.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The comparison peer of the end-to-end benchmark: Weft's four benchmarked demo routes
 * ({@code GET /hello}, {@code GET /files/<name>}, {@code POST /sink}, plus 404) on Netty 4.2's
 * HTTP/2 frame codec and multiplexer, over native epoll, cleartext HTTP/2 with prior knowledge.
 * It advertises the same receive windows and stream limit as Weft's defaults (1 MiB per stream,
 * 4 MiB per connection, 128 streams), so uploads see the same flow control. Files are read from
 * disk (the page cache) per request, as Weft's file route does; never cached in the heap.
 *
 * <p>Lives in the benchmarks module only; never shipped.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.weft.benchmarks.load.NettyPeer [--host H]
 * [--port P] [--root DIR] [--loops N] [--tls-cert PEM --tls-key PEM]}. With the TLS flags it serves
 * h2 over TLS (ALPN {@code h2}) through the JDK's {@code SSLEngine}, as Weft does, so the TLS
 * benchmark compares the same TLS implementation.
 */
public final class NettyPeer {
    private static final byte[] HELLO = "Hello, world!".getBytes(StandardCharsets.US_ASCII);
    private static final int STREAM_WINDOW = 1 << 20;
    private static final int CONNECTION_WINDOW = 4 << 20;

    private NettyPeer() {
    }

    /**
     * @param args see the class comment
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        Args flags = new Args(args);
        String host = flags.get("host", "127.0.0.1");
        int port = Integer.parseInt(flags.get("port", "8080"));
        Path root = Path.of(flags.get("root", "demo")).toAbsolutePath().normalize();
        int loops = Integer.parseInt(flags.get("loops", "1"));
        SslContext tls = tlsContext(flags.get("tls-cert", ""), flags.get("tls-key", ""));
        boolean epoll = Epoll.isAvailable();
        if (!epoll) {
            System.err.println("netty-peer: native epoll unavailable, using NIO: " + Epoll.unavailabilityCause());
        }
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, factory);
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            if (tls != null) {
                                channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                            }
                            channel.pipeline().addLast(
                                    Http2FrameCodecBuilder.forServer()
                                            .initialSettings(Http2Settings.defaultSettings()
                                                    .initialWindowSize(STREAM_WINDOW).maxConcurrentStreams(128))
                                            .build(),
                                    new ConnectionWindow(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel stream) {
                                            stream.pipeline().addLast(new Exchange(root));
                                        }
                                    }));
                        }
                    })
                    .bind(host, port).sync().channel();
            System.err.println("netty-peer listening on " + server.localAddress() + " (" + (epoll ? "epoll" : "nio")
                    + ", " + loops + " event loops, root " + root + (tls != null ? ", TLS (JDK provider)" : "") + ")");
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** @return a JDK-provider server context offering ALPN h2, or null without a certificate */
    private static SslContext tlsContext(String cert, String key) {
        if (cert.isEmpty()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(new java.io.File(cert), new java.io.File(key))
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException("netty-peer: cannot use " + cert + " / " + key + ": " + e.getMessage(), e);
        }
    }

    /** Opens the connection window to 4 MiB once the connection is up, as Weft does. */
    private static final class ConnectionWindow extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext context) {
            context.fireChannelActive();
            context.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - 65_535));
        }
    }

    /** One stream: collects the request, answers it. */
    private static final class Exchange extends ChannelInboundHandlerAdapter {
        private final Path root;
        private String method;
        private String path;
        private long received;

        Exchange(Path root) {
            this.root = root;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            try {
                if (message instanceof Http2HeadersFrame headers) {
                    method = String.valueOf(headers.headers().method());
                    path = String.valueOf(headers.headers().path());
                    if (headers.isEndStream()) {
                        answer(context);
                    }
                } else if (message instanceof Http2DataFrame data) {
                    received += data.content().readableBytes();
                    if (data.isEndStream()) {
                        answer(context);
                    }
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        private void answer(ChannelHandlerContext context) {
            if (method.equals("GET") && path.equals("/hello")) {
                send(context, "text/plain", Unpooled.wrappedBuffer(HELLO));
            } else if (method.equals("POST") && path.equals("/sink")) {
                send(context, "text/plain", Unpooled.copiedBuffer(Long.toString(received), StandardCharsets.US_ASCII));
            } else if (method.equals("GET") && path.startsWith("/files/")) {
                ByteBuf file = readFile(context, path.substring("/files/".length()));
                if (file == null) {
                    notFound(context);
                } else {
                    send(context, "application/octet-stream", file);
                }
            } else {
                notFound(context);
            }
        }

        private ByteBuf readFile(ChannelHandlerContext context, String relative) {
            Path target = root.resolve(relative).normalize();
            if (relative.isEmpty() || !target.startsWith(root) || !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            try (FileChannel channel = FileChannel.open(target, StandardOpenOption.READ)) {
                int size = (int) channel.size();
                ByteBuf buffer = context.alloc().directBuffer(size);
                try {
                    while (buffer.writerIndex() < size) {
                        if (buffer.writeBytes(channel, buffer.writerIndex(), size - buffer.writerIndex()) < 0) {
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    buffer.release();
                    throw e;
                }
                return buffer;
            } catch (IOException e) {
                return null;
            }
        }

        private static void notFound(ChannelHandlerContext context) {
            Http2Headers headers = new DefaultHttp2Headers().status("404");
            context.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
        }

        private static void send(ChannelHandlerContext context, String contentType, ByteBuf body) {
            Http2Headers headers = new DefaultHttp2Headers().status("200")
                    .set("content-type", contentType)
                    .setInt("content-length", body.readableBytes());
            context.write(new DefaultHttp2HeadersFrame(headers, false));
            context.writeAndFlush(new DefaultHttp2DataFrame(body, true));
        }
    }
}
