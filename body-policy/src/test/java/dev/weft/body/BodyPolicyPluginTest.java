package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.weft.api.BodyPolicy;
import dev.weft.spi.WeftPlugin;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BodyPolicyPluginTest {
    @Test
    void serviceLoaderFindsThePlugin() {
        assertTrue(ServiceLoader.load(WeftPlugin.class).stream()
                .anyMatch(provider -> provider.type() == BodyPolicyPlugin.class));
    }

    @Test
    void bindsTheDefaultPolicyUnderDefault() {
        Map<String, BodyPolicy> policies = Guice.createInjector(new BodyPolicyPlugin())
                .getInstance(Key.get(new TypeLiteral<Map<String, BodyPolicy>>() { }));
        assertEquals(BodyPolicy.defaults(), policies.get(BodyPolicyPlugin.DEFAULT));
    }
}
