package dev.weft.body;

import java.util.Objects;

/**
 * One reason a form lookup failed, for error responses that list every problem at once.
 *
 * @param field the field's name, or the empty string for a problem of the form as a whole
 * @param problem what kind of failure
 * @param message what is wrong, phrased to follow {@code "field: "}
 */
public record FieldError(String field, Problem problem, String message) {

    /** The kinds of failure; {@link Lookup#optional()} forgives {@link #MISSING} only. */
    public enum Problem {
        /** No value with that name. */
        MISSING,
        /** A value that does not convert or does not pass a check. */
        INVALID
    }

    /** @throws NullPointerException if any argument is null */
    public FieldError {
        Objects.requireNonNull(field, "field is null");
        Objects.requireNonNull(problem, "problem is null");
        Objects.requireNonNull(message, "message is null");
    }

    /** @return {@code "field: message"}, or the message alone for a form-wide problem */
    public String describe() {
        return field.isEmpty() ? message : field + ": " + message;
    }

    /** @return this error attributed to {@code name} if it names no field yet */
    FieldError attributedTo(String name) {
        return field.isEmpty() && name != null ? new FieldError(name, problem, message) : this;
    }
}
