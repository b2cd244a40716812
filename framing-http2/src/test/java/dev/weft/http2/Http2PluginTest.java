package dev.weft.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.WeftPlugin;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The plugin is found by ServiceLoader, binds "h2", and its settings can be overridden with Guice. */
class Http2PluginTest {
    @Test
    void serviceLoaderFindsThePluginAndGuiceBindsH2() {
        WeftPlugin plugin = ServiceLoader.load(WeftPlugin.class).stream().map(ServiceLoader.Provider::get)
                .filter(Http2Plugin.class::isInstance).findFirst().orElseThrow();
        Injector injector = Guice.createInjector(plugin);
        Map<String, Protocol> protocols = injector.getInstance(Key.get(new TypeLiteral<Map<String, Protocol>>() { }));
        Http2Protocol h2 = assertInstanceOf(Http2Protocol.class, protocols.get("h2"));
        assertEquals(Http2Settings.defaults(), h2.settings());
    }

    @Test
    void usersOverrideSettingsWithModulesOverride() {
        Http2Settings mine = Http2Settings.defaults().withMaxConcurrentStreams(16);
        Injector injector = Guice.createInjector(Modules.override(new Http2Plugin()).with(new AbstractModule() {
            @Override
            protected void configure() {
                bind(Http2Settings.class).toInstance(mine);
            }
        }));
        Map<String, Protocol> protocols = injector.getInstance(Key.get(new TypeLiteral<Map<String, Protocol>>() { }));
        assertEquals(16, ((Http2Protocol) protocols.get("h2")).settings().maxConcurrentStreams());
    }

    @Test
    void detectAnswersYesNoOrNeedMore() {
        Http2Protocol h2 = Http2Protocol.withDefaults();
        assertEquals(PrefaceMatch.YES, h2.detect(ByteBuffer.wrap(ServerConnection.PREFACE)));
        assertEquals(PrefaceMatch.NEED_MORE, h2.detect(ByteBuffer.wrap("PRI * HT".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(PrefaceMatch.NEED_MORE, h2.detect(ByteBuffer.allocate(0)));
        assertEquals(PrefaceMatch.NO, h2.detect(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(PrefaceMatch.NO, h2.detect(ByteBuffer.wrap(new byte[] {0, 0, 0, 1})));
        assertTrue(h2.description().contains("HTTP/2"));
    }
}
