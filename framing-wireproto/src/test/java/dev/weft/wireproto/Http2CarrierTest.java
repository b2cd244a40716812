package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Router;
import dev.weft.http2.Http2Protocol;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.transport.nio.NioTransport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Wireproto inside HTTP/2 ({@code POST /wireproto}) on Weft's own h2 server, sent by OkHttp with
 * frames made and read by {@link WireprotoClient}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Http2CarrierTest {
    private static final MediaType FRAMES = MediaType.get(WireprotoOverHttpHandler.CONTENT_TYPE);
    private static TransportServer server;
    private static OkHttpClient http;
    private static String url;

    @BeforeAll
    static void start() throws IOException {
        Router router = TestCommands.router();
        router.post("/wireproto", new WireprotoOverHttpHandler(ProtocolContext.of(router)));
        ProtocolContext context = ProtocolContext.of(router);
        Http2Protocol h2 = Http2Protocol.withDefaults();
        server = new NioTransport().start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1),
                connection -> h2.open(connection, context));
        url = "http://127.0.0.1:" + server.localAddress().getPort() + "/wireproto";
        http = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .readTimeout(60, TimeUnit.SECONDS).build();
    }

    @AfterAll
    static void stop() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        server.close();
    }

    private static List<WireprotoReply> post(byte[] frames, int expectedReplies) throws IOException {
        Request request = new Request.Builder().url(url).post(RequestBody.create(frames, FRAMES)).build();
        byte[] answer;
        try (Response response = http.newCall(request).execute()) {
            assertEquals(200, response.code());
            assertEquals(Protocol.H2_PRIOR_KNOWLEDGE, response.protocol());
            assertEquals(WireprotoOverHttpHandler.CONTENT_TYPE, response.header("content-type"));
            answer = response.body().bytes();
        }
        WireprotoClient reader = new WireprotoClient(new ByteArrayInputStream(answer), new ByteArrayOutputStream(), () -> { }, () -> { });
        List<WireprotoReply> replies = new ArrayList<>();
        for (int i = 0; i < expectedReplies; i++) {
            WireprotoReply reply = reader.readReply();
            replies.add(reply);
            if (reply instanceof WireprotoReply.ProtocolError) {
                break;
            }
        }
        return replies;
    }

    private static byte[] frames(WireprotoCommand... commands) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WireprotoClient writer = new WireprotoClient(new ByteArrayInputStream(new byte[0]), out, () -> { }, () -> { });
        for (WireprotoCommand command : commands) {
            writer.send(command);
        }
        return out.toByteArray();
    }

    @Test
    void commandsInOneRequestAreAnsweredInItsResponse() throws IOException {
        byte[] data = new byte[2_000_000];
        new Random(7).nextBytes(data);
        List<WireprotoReply> replies = post(frames(
                WireprotoCommand.of("echo").withArgument("msg", "over h2"),
                WireprotoCommand.of("count").withData(data),
                WireprotoCommand.of("big").withArgument("size", "1000000"),
                WireprotoCommand.of("fail"),
                WireprotoCommand.of("echo")), 5);
        assertEquals("over h2", assertInstanceOf(WireprotoReply.Success.class, replies.get(0)).text());
        assertEquals(data.length + ":" + TestCommands.checksum(data), assertInstanceOf(WireprotoReply.Success.class, replies.get(1)).text());
        byte[] big = assertInstanceOf(WireprotoReply.Success.class, replies.get(2)).body();
        assertEquals(1_000_000, big.length);
        assertEquals(TestCommands.pattern(999_999), big[999_999]);
        assertEquals("it failed on purpose", assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(3)).message());
        assertEquals("", assertInstanceOf(WireprotoReply.Success.class, replies.get(4)).text());
    }

    @Test
    void argumentBytesSurviveTheTripInsideHttp2() throws IOException {
        List<byte[]> values = ByteValues.samples();
        WireprotoCommand[] commands = values.stream().map(v -> WireprotoCommand.of("echo").withArgument("msg", v))
                .toArray(WireprotoCommand[]::new);
        List<WireprotoReply> replies = post(frames(commands), values.size());
        for (int i = 0; i < values.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(values.get(i),
                    assertInstanceOf(WireprotoReply.Success.class, replies.get(i)).body());
        }
    }

    @Test
    void malformedFramesGetAProtocolErrorInTheResponse() throws IOException {
        // The command before the bad frame was started, so its answer comes first.
        List<WireprotoReply> replies = post(TestFrames.wire("command-name have-args echo",
                "command-argument eoa \\x03\\x00\\x02\\x00msgok", "command-data eos stray"), 2);
        assertEquals("ok", assertInstanceOf(WireprotoReply.Success.class, replies.get(0)).text());
        WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, replies.get(1));
        assertTrue(error.fromServer() && error.message().contains("expected a command-name frame"), error.message());
    }
}
