package dev.weft.body;

import com.google.inject.AbstractModule;
import dev.weft.api.BodyPolicy;
import dev.weft.spi.WeftBindings;
import dev.weft.spi.WeftPlugin;

/**
 * Contributes the default {@link BodyPolicy} under the name {@code default}. The server replaces
 * it with one built from its flags (or a user module overrides it); routes pick other quotas
 * with {@link dev.weft.api.Handlers#withBodyPolicy}.
 */
public final class BodyPolicyPlugin extends AbstractModule implements WeftPlugin {
    /** The name the server's default policy is bound under. */
    public static final String DEFAULT = "default";

    @Override
    protected void configure() {
        WeftBindings.bodyPolicies(binder()).addBinding(DEFAULT).toInstance(BodyPolicy.defaults());
    }

    @Override
    public String description() {
        return "body policy: default quotas (maxRam 1m, maxDisk 4g, maxHeader 16k, maxParts 1000), multipart and urlencoded forms";
    }
}
