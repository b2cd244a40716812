package dev.weft.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.Frame;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A few issue-8 attacks over a real socket, each with an honest OkHttp client served beside it:
 * the attacker's connection ends with the right code within a bounded number of frames, and the
 * honest client gets every answer right.
 */
@ParameterizedClass
@ValueSource(strings = {"nio", "epoll"})
@Timeout(60)
class HostilePeerTest {
    @Parameter
    String transport;
    @TempDir
    Path root;
    TestServer server;
    OkHttpClient honest;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(transport, root);
        honest = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
    }

    @AfterEach
    void stop() {
        honest.dispatcher().executorService().shutdown();
        honest.connectionPool().evictAll();
        server.close();
    }

    /** Runs 200 honest requests on another thread while the attack runs. */
    private CompletableFuture<Integer> honestTraffic() {
        return CompletableFuture.supplyAsync(() -> {
            int ok = 0;
            for (int i = 0; i < 200; i++) {
                try (Response response = honest.newCall(new Request.Builder().url(server.url("/hello")).build()).execute()) {
                    if (response.code() == 200 && response.body().string().equals("Hello, world!")) {
                        ok++;
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return ok;
        });
    }

    @Test
    void rapidResetGetsEnhanceYourCalm() throws Exception {
        CompletableFuture<Integer> served = honestTraffic();
        try (RawFrameClient attacker = new RawFrameClient(server.port()).handshake()) {
            long started = System.nanoTime();
            int stream = 1;
            Frame.GoAway goAway = null;
            for (int i = 0; i < 2000; i++, stream += 2) {
                try {
                    attacker.request(stream, false, "GET", "/hello");
                    attacker.send(new Frame.RstStream(stream, ErrorCode.CANCEL.code()));
                } catch (java.io.IOException closed) {
                    break; // the server hung up on us: read what it said
                }
            }
            Frame frame;
            while ((frame = attacker.next()) != null) {
                if (frame instanceof Frame.GoAway g) {
                    goAway = g;
                }
            }
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), goAway.errorCode());
            // The burst of 200, what the bucket refilled (50/s) while the flood lasted, frames in flight.
            long seconds = (System.nanoTime() - started) / 1_000_000_000L + 1;
            long allowed = 200 + 50 * seconds + 200;
            assertTrue(goAway.lastStreamId() < 2 * allowed, "cut within the budget, at stream " + goAway.lastStreamId()
                    + " after " + seconds + " s");
        }
        assertEquals(200, served.get(30, TimeUnit.SECONDS));
    }

    @Test
    void continuationFloodIsCutBeforeMemoryGrows() throws Exception {
        CompletableFuture<Integer> served = honestTraffic();
        try (RawFrameClient attacker = new RawFrameClient(server.port()).handshake()) {
            attacker.send(new Frame.Headers(1, ByteBuffer.wrap(new byte[] {(byte) 0x82}), true, false, null, 0));
            int sent = 0;
            try {
                for (; sent < 10_000; sent++) {
                    attacker.send(new Frame.Continuation(1, ByteBuffer.allocate(1000), false));
                }
            } catch (java.io.IOException closed) {
                // expected: the server closed the connection mid-flood
            }
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, attacker.nextSignificant());
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), goAway.errorCode());
        }
        assertEquals(200, served.get(30, TimeUnit.SECONDS));
    }

    @Test
    void hpackBombGets431AndTheConnectionGoesOn() throws Exception {
        CompletableFuture<Integer> served = honestTraffic();
        try (RawFrameClient attacker = new RawFrameClient(server.port()).handshake()) {
            // One 4,000-octet field enters the dynamic table, then a block names it 100 times:
            // 400 KB of headers from a few hundred octets on the wire.
            attacker.request(1, true, "GET", "/hello", "x-bomb", "b".repeat(4000));
            drainUntilEndStream(attacker, 1);
            ByteBuffer block = ByteBuffer.allocate(200);
            block.put(new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84});
            for (int i = 0; i < 100; i++) {
                block.put((byte) 0xbe); // dynamic index 62: the bomb field
            }
            attacker.send(new Frame.Headers(3, block.flip(), true, true, null, 0));
            Frame.Headers answer = assertInstanceOf(Frame.Headers.class, attacker.nextSignificant());
            Map<String, String> fields = attacker.decode(answer);
            assertEquals("431", fields.get(":status"));
            attacker.request(5, true, "GET", "/hello");
            Frame.Headers next = assertInstanceOf(Frame.Headers.class, attacker.nextSignificant());
            assertEquals("200", attacker.decode(next).get(":status"));
        }
        assertEquals(200, served.get(30, TimeUnit.SECONDS));
    }

    private static void drainUntilEndStream(RawFrameClient client, int streamId) throws Exception {
        Frame frame;
        do {
            frame = client.nextSignificant();
        } while (!(frame instanceof Frame.Data data && data.streamId() == streamId && data.endStream()));
    }
}
