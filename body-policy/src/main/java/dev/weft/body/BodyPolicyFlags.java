package dev.weft.body;

import dev.weft.api.BodyPolicy;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The server's body-policy flags as given on the command line, turned into a
 * {@link BodyPolicy} and the temp-directory root: {@code --max-ram}, {@code --max-disk},
 * {@code --max-header}, {@code --max-parts} (sizes such as {@code 64k}, {@code 10m},
 * {@code 2g}; see {@link Sizes}) and {@code --tmp-dir}. A {@code null} flag keeps the default.
 *
 * @param maxRam the {@code --max-ram} text or {@code null}
 * @param maxDisk the {@code --max-disk} text or {@code null}
 * @param maxHeader the {@code --max-header} text or {@code null}
 * @param maxParts the {@code --max-parts} text or {@code null}
 * @param tmpDir the {@code --tmp-dir} text or {@code null}
 */
public record BodyPolicyFlags(String maxRam, String maxDisk, String maxHeader, String maxParts, String tmpDir) {

    /** @return flags that keep every default */
    public static BodyPolicyFlags defaults() {
        return new BodyPolicyFlags(null, null, null, null, null);
    }

    /**
     * @return the default policy with these quotas; its temp directory stays {@code null}
     *     (the server's own {@link TempDirectory})
     * @throws IllegalArgumentException naming the flag and its text, for a value that is not a size
     */
    public BodyPolicy toPolicy() {
        BodyPolicy policy = BodyPolicy.defaults();
        if (maxRam != null) {
            policy = policy.withMaxRam(parse("--max-ram", maxRam));
        }
        if (maxDisk != null) {
            policy = policy.withMaxDisk(parse("--max-disk", maxDisk));
        }
        if (maxHeader != null) {
            policy = policy.withMaxHeader(parseInt("--max-header", maxHeader));
        }
        if (maxParts != null) {
            policy = policy.withMaxParts(parseInt("--max-parts", maxParts));
        }
        return policy;
    }

    /**
     * @return the root for {@link TempDirectory#open(Path)}: {@code --tmp-dir}, else
     *     {@link TempDirectory#defaultRoot()}
     * @throws IllegalArgumentException if {@code --tmp-dir} is not a valid path
     */
    public Path tempRoot() {
        if (tmpDir == null) {
            return TempDirectory.defaultRoot();
        }
        try {
            return Path.of(tmpDir);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--tmp-dir: not a valid path: \"" + tmpDir + "\"", e);
        }
    }

    private static long parse(String flag, String text) {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    private static int parseInt(String flag, String text) {
        try {
            return Sizes.parseInt(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }
}
