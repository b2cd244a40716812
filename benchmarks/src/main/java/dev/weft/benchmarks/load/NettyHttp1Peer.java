package dev.weft.benchmarks.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The HTTP/1.1 comparison peer: Weft's benchmarked demo routes ({@code GET /hello},
 * {@code GET /files/<name>} sent with {@code sendfile} through Netty's {@code DefaultFileRegion},
 * {@code POST /sink}, else 404) on Netty 4.2's {@code HttpServerCodec}, keep-alive, over native
 * epoll. Its answers carry the same fields as Weft's ({@code date}, {@code content-type},
 * {@code content-length}), so both write the same bytes per response.
 *
 * <p>Lives in the benchmarks module only; never shipped.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.weft.benchmarks.load.NettyHttp1Peer [--host H]
 * [--port P] [--root DIR] [--loops N]}.
 */
public final class NettyHttp1Peer {
    private static final byte[] HELLO = "Hello, world!".getBytes(StandardCharsets.US_ASCII);
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

    private NettyHttp1Peer() {
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
        boolean epoll = Epoll.isAvailable();
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
                            channel.pipeline().addLast(new HttpServerCodec(), new Exchange(root));
                        }
                    })
                    .bind(host, port).sync().channel();
            System.err.println("netty-http1-peer listening on " + server.localAddress() + " (" + (epoll ? "epoll" : "nio")
                    + ", " + loops + " event loops, root " + root + ")");
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** The Date value, formatted once per second (as Weft does). Event-loop threads only. */
    private static final class Clock {
        private long second = -1;
        private String text = "";

        String now() {
            long current = System.currentTimeMillis() / 1000;
            if (current != second) {
                second = current;
                text = IMF_FIXDATE.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(current), ZoneOffset.UTC));
            }
            return text;
        }
    }

    /** One connection's requests, one at a time. */
    private static final class Exchange extends SimpleChannelInboundHandler<HttpObject> {
        private final Path root;
        private final Clock clock = new Clock();
        private HttpRequest request;
        private long received;

        Exchange(Path root) {
            this.root = root;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, HttpObject message) throws IOException {
            if (message instanceof HttpRequest head) {
                request = head;
                received = 0;
            }
            if (message instanceof HttpContent content) {
                received += content.content().readableBytes();
                if (content instanceof LastHttpContent) {
                    answer(context);
                }
            }
        }

        private void answer(ChannelHandlerContext context) throws IOException {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String method = request.method().name();
            String path = request.uri();
            if (method.equals("GET") && path.equals("/hello")) {
                send(context, keepAlive, HttpResponseStatus.OK, "text/plain; charset=utf-8", Unpooled.wrappedBuffer(HELLO));
            } else if (method.equals("POST") && path.equals("/sink")) {
                send(context, keepAlive, HttpResponseStatus.OK, "text/plain; charset=utf-8",
                        Unpooled.copiedBuffer(Long.toString(received), StandardCharsets.US_ASCII));
            } else if (method.equals("GET") && path.startsWith("/files/")) {
                Path target = root.resolve(path.substring("/files/".length())).normalize();
                if (!target.startsWith(root) || !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                    send(context, keepAlive, HttpResponseStatus.NOT_FOUND, "text/plain", Unpooled.copiedBuffer("no file\n", StandardCharsets.US_ASCII));
                    return;
                }
                RandomAccessFile file = new RandomAccessFile(target.toFile(), "r");
                long length = file.length();
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.DATE, clock.now())
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                        .set(HttpHeaderNames.CONTENT_LENGTH, length);
                if (!keepAlive) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
                context.write(response);
                context.write(new DefaultFileRegion(file.getChannel(), 0, length));
                var last = context.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    last.addListener(ChannelFutureListener.CLOSE);
                }
            } else {
                send(context, keepAlive, HttpResponseStatus.NOT_FOUND, "text/plain", Unpooled.copiedBuffer("not found\n", StandardCharsets.US_ASCII));
            }
        }

        private void send(ChannelHandlerContext context, boolean keepAlive, HttpResponseStatus status, String contentType,
                          ByteBuf body) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().set(HttpHeaderNames.DATE, clock.now())
                    .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                context.writeAndFlush(response);
            }
        }
    }
}
