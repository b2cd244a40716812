package dev.weft.body;

import dev.weft.api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The outcome of a {@link Lookup}: a value, or every {@link FieldError} found (never an empty
 * list). Unlike an exception, failures of independent lookups add up, so a client learns of all
 * its mistakes in one answer.
 *
 * @param <T> the value's type
 */
public sealed interface Result<T> permits Result.Ok, Result.Failed {

    /**
     * A value.
     *
     * @param value the value (may be null only if a mapping function made it so)
     * @param <T> its type
     */
    record Ok<T>(T value) implements Result<T> {
    }

    /**
     * The failures, in the order the lookups were combined.
     *
     * @param errors one or more errors
     * @param <T> the type the value would have had
     */
    record Failed<T>(List<FieldError> errors) implements Result<T> {
        /** @throws IllegalArgumentException if errors is empty */
        public Failed {
            errors = List.copyOf(errors);
            if (errors.isEmpty()) {
                throw new IllegalArgumentException("a failed result needs at least one error");
            }
        }

        /** @return each error as {@code "field: message"}, in order */
        public List<String> messages() {
            return errors.stream().map(FieldError::describe).toList();
        }

        /**
         * @return a 400 answer for a REST client listing every error, in order:
         *     {@code {"errors":[{"field":"age","problem":"INVALID","message":"..."}]}}
         */
        public Response toJsonResponse() {
            StringBuilder json = new StringBuilder("{\"errors\":[");
            for (int i = 0; i < errors.size(); i++) {
                FieldError error = errors.get(i);
                json.append(i == 0 ? "{" : ",{");
                Json.string(json.append("\"field\":"), error.field());
                Json.string(json.append(",\"problem\":"), error.problem().name());
                Json.string(json.append(",\"message\":"), error.message());
                json.append('}');
            }
            return Response.bytes(400, "application/json",
                    json.append("]}\n").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        @SuppressWarnings("unchecked")
        <U> Failed<U> retype() {
            return (Failed<U>) this;
        }
    }

    /** @return a successful result */
    static <T> Result<T> ok(T value) {
        return new Ok<>(value);
    }

    /**
     * An invalid value, for check functions: the lookup being checked fills in its field name.
     *
     * @param message what is wrong, e.g. {@code "must be at least 18"}
     * @return a failed result
     */
    static <T> Result<T> invalid(String message) {
        return new Failed<>(List.of(new FieldError("", FieldError.Problem.INVALID, message)));
    }

    /** @return a failed result with one error */
    static <T> Result<T> error(FieldError error) {
        return new Failed<>(List.of(error));
    }

    /** @return whether this holds a value */
    default boolean isOk() {
        return this instanceof Ok<T>;
    }

    /** @return the errors; empty for a value */
    default List<FieldError> errors() {
        return switch (this) {
            case Ok<T> ignored -> List.of();
            case Failed<T> failed -> failed.errors();
        };
    }

    /** @return the value mapped, or the same errors */
    default <U> Result<U> map(Function<? super T, ? extends U> mapper) {
        return switch (this) {
            case Ok<T> ok -> new Ok<>(mapper.apply(ok.value()));
            case Failed<T> failed -> failed.retype();
        };
    }

    /** @return the next step's result for a value, or the same errors */
    default <U> Result<U> flatMap(Function<? super T, Result<U>> next) {
        return switch (this) {
            case Ok<T> ok -> Objects.requireNonNull(next.apply(ok.value()), "a check returned null");
            case Failed<T> failed -> failed.retype();
        };
    }

    /**
     * @return the value
     * @throws MalformedFormException (400) listing every error, one per line
     */
    default T orElseThrow() throws MalformedFormException {
        return switch (this) {
            case Ok<T> ok -> ok.value();
            case Failed<T> failed -> throw new MalformedFormException(400,
                    failed.messages().stream().collect(Collectors.joining("\n")));
        };
    }

    /** Collects errors from several results, in order; package use by {@link Lookup}. */
    static List<FieldError> errorsOf(List<? extends Result<?>> results) {
        List<FieldError> errors = new ArrayList<>();
        for (Result<?> result : results) {
            errors.addAll(result.errors());
        }
        return errors;
    }
}
