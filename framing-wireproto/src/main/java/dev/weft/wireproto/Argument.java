package dev.weft.wireproto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One command argument. Names and values are bytes on the wire; names are read as UTF-8.
 *
 * @param name the argument name, not empty
 * @param value the value bytes (owned by this record; do not change them)
 */
public record Argument(String name, byte[] value) {

    /** @throws IllegalArgumentException for an empty name */
    public Argument {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(value, "value is null");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("argument name is empty");
        }
    }

    /** @return an argument whose value is {@code value} in UTF-8 */
    public static Argument of(String name, String value) {
        return new Argument(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the value read as UTF-8 (malformed bytes replaced) */
    public String valueText() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Argument argument && argument.name.equals(name) && Arrays.equals(argument.value, value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + "=" + (value.length <= 64 ? valueText() : value.length + " bytes");
    }
}
