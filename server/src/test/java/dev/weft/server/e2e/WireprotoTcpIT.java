package dev.weft.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.server.WeftProcess;
import dev.weft.testing.ExternalTool;
import dev.weft.wireproto.FrameCodec;
import dev.weft.wireproto.FramingRevision;
import dev.weft.wireproto.WireprotoClient;
import dev.weft.wireproto.WireprotoCommand;
import dev.weft.wireproto.WireprotoReply;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The wireproto protocol over TCP from {@code ./weft serve --protocol wireproto} and
 * {@code --protocol auto}, on both transports, with the project's own
 * {@link WireprotoClient}: {@code echo} answers its data, else its {@code msg} argument, else
 * nothing; many commands (including an unknown one and 1 MiB of data) share one connection in
 * order; several connections run at once; a malformed frame gets a protocol error and the
 * connection closes; and on an {@code auto} port the same listener also serves HTTP/2.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WireprotoTcpIT {
    private static final ServerSet SERVERS = new ServerSet();

    @TempDir
    static Path temp;

    @AfterAll
    static void stopServers() throws Exception {
        SERVERS.close();
    }

    private static WeftProcess server(String transport, String protocol) throws Exception {
        return SERVERS.get(transport + "/" + protocol, () -> {
            WeftProcess weft = WeftProcess.serve(Map.of(), transport, "--protocol", protocol,
                    "--tmp-dir", temp.resolve("tmp-" + transport + "-" + protocol).toString());
            String expected = protocol.equals("auto") ? "protocols h2+wireproto+http/1.1 detected per connection" : "protocols wireproto,";
            assertTrue(weft.stderr().contains("transport " + transport + ", " + expected), weft.stderr());
            return weft;
        });
    }

    private static WireprotoClient connect(WeftProcess weft) throws java.io.IOException {
        return WireprotoClient.connect(new InetSocketAddress("127.0.0.1", weft.port()));
    }

    @ParameterizedTest(name = "{0} --protocol {1}")
    @CsvSource({"nio, wireproto", "epoll, wireproto", "nio, auto", "epoll, auto"})
    void echoCommandsShareOneConnectionInOrder(String transport, String protocol) throws Exception {
        WeftProcess weft = server(transport, protocol);
        byte[] large = new byte[1 << 20];
        new Random(42).nextBytes(large);
        try (WireprotoClient client = connect(weft)) {
            assertEquals("from data", success(client.call(WireprotoCommand.of("echo").withData("from data"))).text());
            assertEquals("from msg", success(client.call(WireprotoCommand.of("echo").withArgument("msg", "from msg"))).text());
            assertEquals("data wins", success(client.call(
                    WireprotoCommand.of("echo").withArgument("msg", "not this").withData("data wins"))).text());
            assertEquals("", success(client.call(WireprotoCommand.of("echo"))).text());
            byte[] allBytes = new byte[256];
            for (int i = 0; i < allBytes.length; i++) {
                allBytes[i] = (byte) i;
            }
            // an argument value is a byte string: the 256 byte values come back as they went
            assertArrayEquals(allBytes, success(client.call(WireprotoCommand.of("echo").withArgument("msg", allBytes))).body());
            String unknown = assertInstanceOf(WireprotoReply.ApplicationError.class,
                    client.call(WireprotoCommand.of("no-such-command"))).message();
            assertTrue(unknown.contains("no-such-command"), unknown);
            assertArrayEquals(large, success(client.call(WireprotoCommand.of("echo").withData(large))).body());
            // pipelined: every command sent before any reply is read, replies come back in order
            for (int i = 0; i < 10; i++) {
                client.send(WireprotoCommand.of("echo").withArgument("msg", "pipelined " + i));
            }
            for (int i = 0; i < 10; i++) {
                assertEquals("pipelined " + i, success(client.readReply()).text());
            }
        }
    }

    @ParameterizedTest(name = "{0} --protocol auto --wireproto-revision 0002")
    @ValueSource(strings = {"nio", "epoll"})
    void revision0002AnswersEachCommandByItsRequestId(String transport) throws Exception {
        WeftProcess weft = SERVERS.get(transport + "/0002", () -> WeftProcess.serve(Map.of(), transport, "--protocol", "auto",
                "--wireproto-revision", "0002", "--wireproto-max-pending-commands", "4",
                "--tmp-dir", temp.resolve("tmp-" + transport + "-0002").toString()));
        byte[] allBytes = new byte[256];
        for (int i = 0; i < allBytes.length; i++) {
            allBytes[i] = (byte) i;
        }
        try (WireprotoClient client = WireprotoClient.connect(new InetSocketAddress("127.0.0.1", weft.port()),
                FramingRevision.EXP_0002)) {
            // more commands in flight than the server runs at once (it stops reading, then goes on);
            // small enough that unread answers fit the socket buffers while we are still sending
            List<Integer> ids = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            Random random = new Random(15);
            for (int i = 0; i < 12; i++) {
                byte[] data = new byte[10_000 + i];
                random.nextBytes(data);
                sent.add(data);
                ids.add(client.send(WireprotoCommand.of("echo").withData(data)));
            }
            int binary = client.send(WireprotoCommand.of("echo").withArgument("msg", allBytes));
            for (int i = 11; i >= 0; i--) {
                assertArrayEquals(sent.get(i), success(client.readReply(ids.get(i))).body());
            }
            assertArrayEquals(allBytes, success(client.readReply(binary)).body());
        }
    }

    @ParameterizedTest(name = "{0} --protocol {1}")
    @CsvSource({"nio, wireproto", "epoll, wireproto", "nio, auto", "epoll, auto"})
    void severalConnectionsAtOnce(String transport, String protocol) throws Exception {
        WeftProcess weft = server(transport, protocol);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int connection = c;
                Callable<Integer> calls = () -> {
                    try (WireprotoClient client = connect(weft)) {
                        for (int i = 0; i < 50; i++) {
                            String text = "connection " + connection + " call " + i;
                            assertEquals(text, success(client.call(WireprotoCommand.of("echo").withData(text))).text());
                        }
                    }
                    return 50;
                };
                results.add(pool.submit(calls));
            }
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(120, TimeUnit.SECONDS);
            }
            assertEquals(400, total);
        }
    }

    @ParameterizedTest(name = "{0} --protocol {1}")
    @CsvSource({"nio, wireproto", "epoll, wireproto", "nio, auto", "epoll, auto"})
    void aMalformedFrameGetsAProtocolErrorAndTheConnectionCloses(String transport, String protocol) throws Exception {
        WeftProcess weft = server(transport, protocol);
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", weft.port()), 10_000);
        socket.setSoTimeout(30_000);
        try (WireprotoClient client = WireprotoClient.over(socket)) {
            // a well-formed command first, so that an auto port has chosen wireproto
            assertEquals("ok", success(client.call(WireprotoCommand.of("echo").withData("ok"))).text());
            client.sendRaw(FrameCodec.encodeRaw(4, 2, "not a command".getBytes(StandardCharsets.US_ASCII)));
            WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, client.readReply());
            assertTrue(error.fromServer(), error.message());
            InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "the server closes the connection after a protocol error");
        }
        // the server goes on serving others
        try (WireprotoClient client = connect(weft)) {
            assertEquals("still here", success(client.call(WireprotoCommand.of("echo").withData("still here"))).text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void anAutoPortServesHttp2AndWireprotoSideBySide(String transport) throws Exception {
        String curl = ExternalTool.require("curl", "curl");
        WeftProcess weft = server(transport, "auto");
        try (WireprotoClient client = connect(weft)) {
            assertEquals("before", success(client.call(WireprotoCommand.of("echo").withData("before"))).text());
            String hello = Peer.run(Duration.ofSeconds(60), List.of(curl, "-sS", "--fail", "--http2-prior-knowledge",
                    "--max-time", "50", weft.url("/hello"))).assertSuccess().stdout();
            assertEquals("Hello, world!", hello);
            assertEquals("after", success(client.call(WireprotoCommand.of("echo").withData("after"))).text());
        }
    }

    /** curl posts the frames (made by the project's client) to the demo's POST /wireproto, in both revisions. */
    @ParameterizedTest
    @ValueSource(strings = {"0001", "0002"})
    void curlPostsFramesToTheWireprotoRouteAndTheArgumentBytesComeBackExact(String number) throws Exception {
        String curl = ExternalTool.require("curl", "curl");
        WeftProcess weft = server("nio", "auto");
        FramingRevision revision = FramingRevision.fromNumber(number).orElseThrow();
        byte[] allBytes = new byte[256];
        for (int i = 0; i < allBytes.length; i++) {
            allBytes[i] = (byte) i;
        }
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        WireprotoClient writer = new WireprotoClient(new java.io.ByteArrayInputStream(new byte[0]), frames, () -> { }, () -> { },
                dev.weft.wireproto.WireprotoLimits.defaults(), WireprotoClient.DEFAULT_MAX_REPLY_BYTES, revision);
        int first = writer.send(WireprotoCommand.of("echo").withArgument("msg", allBytes));
        int second = writer.send(WireprotoCommand.of("echo").withArgument("msg", new byte[0]));
        Path body = temp.resolve("frames-" + number + ".bin");
        java.nio.file.Files.write(body, frames.toByteArray());
        byte[] answer = Peer.run(Duration.ofSeconds(60), List.of(curl, "-sS", "--fail", "--http2-prior-knowledge", "--max-time", "50",
                "-H", "content-type: " + revision.mediaType(), "--data-binary", "@" + body, weft.url("/wireproto")))
                .assertSuccess().stdoutBytes();
        WireprotoClient reader = new WireprotoClient(new java.io.ByteArrayInputStream(answer), new java.io.ByteArrayOutputStream(),
                () -> { }, () -> { }, dev.weft.wireproto.WireprotoLimits.defaults(), WireprotoClient.DEFAULT_MAX_REPLY_BYTES, revision);
        List<WireprotoClient.Answer> answers = List.of(reader.nextAnswer(), reader.nextAnswer());
        // 0001 answers in order (every id is 0); 0002 by request id, in any order
        WireprotoClient.Answer forFirst = revision.hasRequestIds()
                ? answers.stream().filter(a -> a.requestId() == first).findFirst().orElseThrow() : answers.get(0);
        WireprotoClient.Answer forSecond = revision.hasRequestIds()
                ? answers.stream().filter(a -> a.requestId() == second).findFirst().orElseThrow() : answers.get(1);
        assertArrayEquals(allBytes, success(forFirst.reply()).body());
        assertArrayEquals(new byte[0], success(forSecond.reply()).body());
    }

    private static WireprotoReply.Success success(WireprotoReply reply) {
        return assertInstanceOf(WireprotoReply.Success.class, reply, () -> "not a success: " + reply);
    }
}
