package dev.weft.body;

import java.util.Locale;

/**
 * Byte sizes as operators write them on the command line: {@code 123}, {@code 64k},
 * {@code 10m}, {@code 2g}, {@code 1t} (binary multiples: {@code k} is 1024). Used by the
 * server's {@code --max-ram --max-disk --max-header --max-parts} flags.
 *
 * <p>Threading: stateless.
 */
public final class Sizes {
    private static final String SUFFIXES = "kmgt";

    private Sizes() {
    }

    /**
     * @param text digits with an optional suffix {@code k}, {@code m}, {@code g} or {@code t}
     *     (either case, optionally followed by {@code b}), e.g. {@code 64k}
     * @return the number of bytes
     * @throws IllegalArgumentException naming the text, if it is not such a size or overflows
     */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("size is missing");
        }
        String trimmed = text.strip().toLowerCase(Locale.ROOT);
        if (trimmed.endsWith("b") && trimmed.length() > 1 && SUFFIXES.indexOf(trimmed.charAt(trimmed.length() - 2)) >= 0) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("not a size: \"" + text + "\" (expected e.g. 123, 64k, 10m, 2g)");
        }
        int shift = 0;
        int suffix = SUFFIXES.indexOf(trimmed.charAt(trimmed.length() - 1));
        String digits = trimmed;
        if (suffix >= 0) {
            shift = 10 * (suffix + 1);
            digits = trimmed.substring(0, trimmed.length() - 1);
        }
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a size: \"" + text + "\" (expected e.g. 123, 64k, 10m, 2g)");
        }
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException tooLong) {
            throw new IllegalArgumentException("size too large: \"" + text + "\"");
        }
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large: \"" + text + "\"");
        }
        return value << shift;
    }

    /**
     * @param text as {@link #parse(String)}
     * @return the size, which must fit an {@code int} (for {@code --max-header}, {@code --max-parts})
     * @throws IllegalArgumentException if it is not a size or exceeds {@link Integer#MAX_VALUE}
     */
    public static int parseInt(String text) {
        long value = parse(text);
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size too large (max " + Integer.MAX_VALUE + "): \"" + text + "\"");
        }
        return (int) value;
    }

    /** @return {@code bytes} in the largest exact unit, e.g. {@code 65536 -> "64k"} */
    public static String format(long bytes) {
        long value = bytes;
        int unit = -1;
        while (value != 0 && unit < SUFFIXES.length() - 1 && (value & 1023) == 0) {
            value >>= 10;
            unit++;
        }
        return unit < 0 ? Long.toString(value) : value + String.valueOf(SUFFIXES.charAt(unit));
    }
}
