package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.WeftPlugin;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireprotoProtocolTest {
    private final WireprotoProtocol protocol = new WireprotoProtocol();

    private PrefaceMatch detect(byte[] bytes) {
        return protocol.detect(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
    }

    @Test
    void httpTwoPrefaceIsNotWireproto() {
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int length = 3; length <= preface.length; length++) {
            assertEquals(PrefaceMatch.NO, detect(Arrays.copyOf(preface, length)), "first " + length + " bytes");
        }
        assertEquals(PrefaceMatch.NO, detect("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void commandNameFrameIsWireproto() {
        byte[] echo = TestFrames.wire("command-name have-args echo", "command-argument eoa \\x01\\x00\\x01\\x00kv");
        assertEquals(PrefaceMatch.YES, detect(echo));
        assertEquals(PrefaceMatch.YES, detect(TestFrames.wire("command-name eos heads")));
        assertEquals(PrefaceMatch.YES, detect(Arrays.copyOf(TestFrames.wire("command-name eos averylongcommandname"), 12)));
    }

    @Test
    void tooFewBytesNeedMore() {
        byte[] frame = TestFrames.wire("command-name eos heads");
        for (int length = 0; length < frame.length; length++) {
            assertEquals(PrefaceMatch.NEED_MORE, detect(Arrays.copyOf(frame, length)), "first " + length + " bytes");
        }
    }

    @Test
    void revision0002DetectionReadsTheTypeAfterTheRequestId() {
        WireprotoProtocol second = new WireprotoProtocol(WireprotoLimits.defaults(), FramingRevision.EXP_0002);
        byte[] echo = TestFrames.wire2("513 command-name have-args echo");
        assertEquals(PrefaceMatch.YES, second.detect(ByteBuffer.wrap(echo)));
        for (int length = 0; length < 6; length++) {
            assertEquals(PrefaceMatch.NEED_MORE, second.detect(ByteBuffer.wrap(Arrays.copyOf(echo, length))), "first " + length);
        }
        assertEquals(PrefaceMatch.NO, second.detect(ByteBuffer.wrap(TestFrames.wire2("1 bytes-response eos x"))));
        // A revision 0001 frame read as 0002 puts name bytes where the type should be.
        assertEquals(PrefaceMatch.NO, second.detect(ByteBuffer.wrap(TestFrames.wire("command-name eos heads"))));
        assertEquals(PrefaceMatch.NO, second.detect(ByteBuffer.wrap("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void implausibleFirstFramesAreNot() {
        assertEquals(PrefaceMatch.NO, detect(TestFrames.wire("bytes-response eos x")));
        assertEquals(PrefaceMatch.NO, detect(TestFrames.wire("command-name 0 x")));
        assertEquals(PrefaceMatch.NO, detect(TestFrames.wire("command-name eos|have-args x")));
        assertEquals(PrefaceMatch.NO, detect(TestFrames.wire("command-name eos a\\x00b")));
        assertEquals(PrefaceMatch.NO, detect(new byte[] {0, 0, 0, 0x11}));
        assertEquals(PrefaceMatch.NO, detect(new byte[] {0, 0, 1, 0x11}));
    }

    @Test
    void pluginIsFoundByServiceLoaderAndBindsTheProtocol() {
        WeftPlugin plugin = ServiceLoader.load(WeftPlugin.class).stream().map(ServiceLoader.Provider::get)
                .filter(WireprotoPlugin.class::isInstance).findFirst().orElseThrow();
        Injector injector = Guice.createInjector(plugin);
        Map<String, Protocol> protocols = injector.getInstance(Key.get(new TypeLiteral<Map<String, Protocol>>() { }));
        Protocol bound = protocols.get("wireproto");
        assertInstanceOf(WireprotoProtocol.class, bound);
        assertEquals("wireproto", bound.name());
        assertTrue(plugin.description().contains("wireproto"));
    }
}
