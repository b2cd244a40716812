package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.api.BodyPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BodyPolicyFlagsTest {
    @Test
    void noFlagsKeepTheDefaults() {
        assertEquals(BodyPolicy.defaults(), BodyPolicyFlags.defaults().toPolicy());
        assertEquals(TempDirectory.defaultRoot(), BodyPolicyFlags.defaults().tempRoot());
    }

    @Test
    void flagsSetTheirQuotas() {
        BodyPolicy policy = new BodyPolicyFlags("64k", "10m", "8k", "50", "/var/tmp/weft").toPolicy();
        assertEquals(65_536, policy.maxRam());
        assertEquals(10L << 20, policy.maxDisk());
        assertEquals(8_192, policy.maxHeader());
        assertEquals(50, policy.maxParts());
        assertEquals(Path.of("/var/tmp/weft"), new BodyPolicyFlags(null, null, null, null, "/var/tmp/weft").tempRoot());
    }

    @Test
    void badValuesNameTheFlag() {
        IllegalArgumentException ram = assertThrows(IllegalArgumentException.class,
                () -> new BodyPolicyFlags("lots", null, null, null, null).toPolicy());
        assertEquals("--max-ram: not a size: \"lots\" (expected e.g. 123, 64k, 10m, 2g)", ram.getMessage());
        IllegalArgumentException parts = assertThrows(IllegalArgumentException.class,
                () -> new BodyPolicyFlags(null, null, null, "3g", null).toPolicy());
        assertEquals("--max-parts: size too large (max 2147483647): \"3g\"", parts.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BodyPolicyFlags(null, null, null, null, "a\u0000b").tempRoot());
    }
}
