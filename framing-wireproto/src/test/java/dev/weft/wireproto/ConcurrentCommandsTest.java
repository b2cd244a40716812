package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.http2.Http2Protocol;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ProtocolContext;
import dev.weft.spi.TransportConfig;
import dev.weft.spi.TransportServer;
import dev.weft.transport.nio.NioTransport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Revision {@code 0002} on every carrier: commands of one connection run side by side. Each test
 * is a handshake between handlers (or between a handler and the test), so it cannot pass if the
 * commands ran one at a time: it would wait forever and time out instead.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentCommandsTest {
    private static final FramingRevision REVISION = FramingRevision.EXP_0002;
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final CountDownLatch releaseSlow = new CountDownLatch(1);

    /** {@code slow} answers only once released; {@code fast} answers at once and releases it. */
    private Router router(boolean fastReleasesSlow) {
        return TestCommands.router()
                .post("/slow", request -> {
                    slowStarted.countDown();
                    releaseSlow.await();
                    return Response.ok("slow");
                })
                .post("/fast", request -> {
                    if (fastReleasesSlow) {
                        releaseSlow.countDown();
                    }
                    return Response.ok("fast");
                });
    }

    @Test
    void overTcpASlowCommandDoesNotHoldBackAFastOne() throws Exception {
        WireprotoProtocol protocol = new WireprotoProtocol(WireprotoLimits.defaults(), REVISION);
        ProtocolContext context = ProtocolContext.of(router(false));
        try (TransportServer server = new NioTransport().start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1), connection -> protocol.open(connection, context));
             WireprotoClient client = WireprotoClient.connect(server.localAddress(), REVISION)) {
            int slow = client.send(WireprotoCommand.of("slow"));
            assertTrue(slowStarted.await(10, TimeUnit.SECONDS));
            int fast = client.send(WireprotoCommand.of("fast"));
            // The slow command is still blocked (only this test releases it), yet fast's answer is here.
            WireprotoClient.Answer first = client.nextAnswer();
            assertEquals(fast, first.requestId());
            assertEquals("fast", assertInstanceOf(WireprotoReply.Success.class, first.reply()).text());
            assertEquals(1, releaseSlow.getCount());
            releaseSlow.countDown();
            assertEquals("slow", assertInstanceOf(WireprotoReply.Success.class, client.readReply(slow)).text());
            // The connection goes on: answers of interleaved commands each come back whole.
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(client.send(WireprotoCommand.of("big").withArgument("size", Integer.toString(50_000 + i))));
            }
            for (int i = 0; i < 20; i++) {
                byte[] body = assertInstanceOf(WireprotoReply.Success.class, client.readReply(ids.get(i))).body();
                assertEquals(50_000 + i, body.length);
                assertEquals(TestCommands.pattern(49_999 + i), body[49_999 + i]);
            }
        }
    }

    @Test
    void overStdioCommandsRunSideBySide() throws Exception {
        Pipe toServer = Pipe.open();
        Pipe fromServer = Pipe.open();
        WireprotoProtocol protocol = new WireprotoProtocol(WireprotoLimits.defaults(), REVISION);
        ProtocolContext context = ProtocolContext.of(router(true));
        OutputStream clientOut = Channels.newOutputStream(toServer.sink());
        InputStream clientIn = Channels.newInputStream(fromServer.source());
        CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
            try (InputStream in = Channels.newInputStream(toServer.source()); OutputStream out = Channels.newOutputStream(fromServer.sink())) {
                protocol.serveStreams(in, out, context);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
        try (WireprotoClient client = new WireprotoClient(clientIn, clientOut, clientOut, () -> {
            clientOut.close();
            clientIn.close();
        }, WireprotoLimits.defaults(), WireprotoClient.DEFAULT_MAX_REPLY_BYTES, REVISION)) {
            int slow = client.send(WireprotoCommand.of("slow"));
            int fast = client.send(WireprotoCommand.of("fast"));
            // Slow can only finish once fast ran; half duplex, so the answers come after end of
            // input (what the reactor holds until then is RequestIdsTest's).
            assertTrue(slowStarted.await(10, TimeUnit.SECONDS));
            client.endOutput();
            assertEquals("slow", assertInstanceOf(WireprotoReply.Success.class, client.readReply(slow)).text());
            assertEquals("fast", assertInstanceOf(WireprotoReply.Success.class, client.readReply(fast)).text());
        }
        served.get(10, TimeUnit.SECONDS);
    }

    @Test
    void insideHttp2TheCommandsOfOneRequestRunSideBySide() throws Exception {
        Router router = router(true);
        router.post("/wireproto", new WireprotoOverHttpHandler(ProtocolContext.of(router)));
        ProtocolContext context = ProtocolContext.of(router);
        Http2Protocol h2 = Http2Protocol.withDefaults();
        OkHttpClient http = new OkHttpClient.Builder().protocols(List.of(okhttp3.Protocol.H2_PRIOR_KNOWLEDGE)).build();
        try (TransportServer server = new NioTransport().start(TransportConfig.of(new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1), connection -> h2.open(connection, context))) {
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            WireprotoClient writer = new WireprotoClient(new ByteArrayInputStream(new byte[0]), frames, () -> { }, () -> { },
                    WireprotoLimits.defaults(), WireprotoClient.DEFAULT_MAX_REPLY_BYTES, REVISION);
            int slow = writer.send(WireprotoCommand.of("slow"));
            int fast = writer.send(WireprotoCommand.of("fast"));
            int binary = writer.send(WireprotoCommand.of("echo").withArgument("msg", ByteValues.allBytes()));
            okhttp3.Request request = new okhttp3.Request.Builder().url("http://127.0.0.1:" + server.localAddress().getPort()
                    + "/wireproto").post(RequestBody.create(frames.toByteArray(),
                    MediaType.get(WireprotoOverHttpHandler.CONTENT_TYPE_0002))).build();
            byte[] answer;
            try (okhttp3.Response response = http.newCall(request).execute()) {
                assertEquals(200, response.code());
                assertEquals(WireprotoOverHttpHandler.CONTENT_TYPE_0002, response.header("content-type"));
                answer = response.body().bytes();
            }
            WireprotoClient reader = new WireprotoClient(new ByteArrayInputStream(answer), new ByteArrayOutputStream(),
                    () -> { }, () -> { }, WireprotoLimits.defaults(), WireprotoClient.DEFAULT_MAX_REPLY_BYTES, REVISION);
            List<WireprotoClient.Answer> answers = List.of(reader.nextAnswer(), reader.nextAnswer(), reader.nextAnswer());
            assertEquals(List.of(fast, binary, slow).stream().sorted().toList(),
                    answers.stream().map(WireprotoClient.Answer::requestId).sorted().toList());
            for (WireprotoClient.Answer each : answers) {
                byte[] body = assertInstanceOf(WireprotoReply.Success.class, each.reply()).body();
                if (each.requestId() == binary) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(ByteValues.allBytes(), body);
                } else {
                    assertEquals(each.requestId() == slow ? "slow" : "fast", new String(body, java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    @Test
    void thePerConnectionLimitBoundsCommandsRunningAtOnce() throws Exception {
        int limit = 3;
        CountDownLatch allRunning = new CountDownLatch(limit);
        CountDownLatch release = new CountDownLatch(1);
        FakeConnection connection = new FakeConnection();
        ProtocolContext context = ProtocolContext.of(TestCommands.router().post("/hold", request -> {
            allRunning.countDown();
            release.await();
            return Response.ok("held");
        }));
        WireprotoLimits limits = WireprotoLimits.defaults().withMaxPendingCommands(limit);
        ConnectionHandler handler = new WireprotoProtocol(limits, REVISION).open(connection, context);
        ClientReactor client = new ClientReactor(limits, REVISION);
        for (int id = 1; id <= limit; id++) {
            assertFalse(connection.readPaused(), "paused before command " + id);
            handler.onRead(encode(client.commandFrames(id, "hold", List.of(), false)));
        }
        // All three handlers are inside the handler at once, and reading stops at the limit.
        assertTrue(allRunning.await(10, TimeUnit.SECONDS));
        assertTrue(connection.readPaused());
        release.countDown();
        connection.runTasksUntil(() -> !connection.readPaused());
        handler.onInputClosed();
        connection.runTasksUntil(connection::outputShut);
        List<Frame> frames = TestFrames.decodeAll(REVISION, connection.written());
        assertEquals(List.of(1, 2, 3), frames.stream().map(Frame::requestId).sorted().toList());
        frames.forEach(frame -> assertEquals("held", frame.payloadText()));
    }

    private static ByteBuffer encode(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame frame : frames) {
            out.writeBytes(FrameCodec.encode(REVISION, frame).array());
        }
        return ByteBuffer.wrap(out.toByteArray());
    }
}
