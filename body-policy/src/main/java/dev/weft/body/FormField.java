package dev.weft.body;

import java.util.Objects;

/**
 * One named value of a request's form data.
 *
 * @param source where it came from
 * @param name the field name
 * @param input the value
 */
public record FormField(Source source, String name, Input input) {
    /** @throws NullPointerException if any argument is null */
    public FormField {
        Objects.requireNonNull(source, "source is null");
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(input, "input is null");
    }
}
