package dev.weft.body;

import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A description of values to read from {@link FormData}, in the spirit of seed 001's
 * {@code RqData}: build lookups with {@link #look}, {@link #lookAll}, {@link #lookFile},
 * {@link #lookRead}; refine them with {@link #map}, {@link #check}, {@link #optional()},
 * {@link #from}; combine them with {@link #combine} or {@link #all}; then {@link #run} them.
 * A combination runs every part and reports <em>all</em> failures in order (three missing
 * fields give three errors), which is what a REST client needs.
 *
 * <pre>{@code
 * record Signup(String name, int age, Input avatar) { }
 * Lookup<Signup> signup = Lookup.combine(
 *         Lookup.look("name"),
 *         Lookup.lookRead("age", Integer::parseInt)
 *                 .check(age -> age >= 18 ? Result.ok(age) : Result.invalid("must be at least 18")),
 *         Lookup.lookFile("avatar"),
 *         Signup::new).from(Source.BODY);
 * }</pre>
 *
 * <p>Values are looked up in the form's order: query, then body, then cookies; {@link #from}
 * restricts a lookup to some of them (the seed's {@code body} and {@code queryString} filters).
 *
 * <p>Threading: immutable; a lookup may be built once and run from many threads.
 *
 * @param <T> the type of the value looked up
 */
public final class Lookup<T> {
    /** Longest excerpt of a bad value quoted back in an error message. */
    private static final int QUOTE_LIMIT = 64;

    /** The field this lookup reads, to attribute check errors to; {@code null} for a combination. */
    private final String field;
    private final Function<FormData, Result<T>> steps;

    private Lookup(String field, Function<FormData, Result<T>> steps) {
        this.field = field;
        this.steps = steps;
    }

    /** Converts a field's text into a value; any exception means the text is invalid. */
    @FunctionalInterface
    public interface Converter<T> {
        /**
         * @param text the field's value
         * @return the converted value
         * @throws Exception if the text is not a valid value
         */
        T convert(String text) throws Exception;
    }

    /** Combines three values. */
    @FunctionalInterface
    public interface Function3<A, B, C, R> {
        /** @return the combined value */
        R apply(A a, B b, C c);
    }

    /** Combines four values. */
    @FunctionalInterface
    public interface Function4<A, B, C, D, R> {
        /** @return the combined value */
        R apply(A a, B b, C c, D d);
    }

    /** Combines five values. */
    @FunctionalInterface
    public interface Function5<A, B, C, D, E, R> {
        /** @return the combined value */
        R apply(A a, B b, C c, D d, E e);
    }

    /**
     * Runs the lookup.
     *
     * @param data the request's form data
     * @return the value, or every error found
     */
    public Result<T> run(FormData data) {
        Objects.requireNonNull(data, "data is null");
        return Objects.requireNonNull(steps.apply(data), "a lookup step returned null");
    }

    /** @return a lookup that always succeeds with {@code value} */
    public static <T> Lookup<T> succeed(T value) {
        return new Lookup<>(null, data -> Result.ok(value));
    }

    /** @return a lookup of any value named {@code name}: the first one, text or file */
    public static Lookup<Input> lookInput(String name) {
        Objects.requireNonNull(name, "name is null");
        return new Lookup<>(name, data -> {
            Input input = data.first(name);
            return input == null ? missing(name) : Result.ok(input);
        });
    }

    /**
     * @return a lookup of the first text value named {@code name}, decoded as UTF-8; a file on
     *     disk is an error (use {@link #lookFile}) so that a huge upload is never read into a string
     */
    public static Lookup<String> look(String name) {
        Objects.requireNonNull(name, "name is null");
        return new Lookup<>(name, data -> {
            Input input = data.first(name);
            return input == null ? missing(name) : text(name, input);
        });
    }

    /** @return a lookup of every text value named {@code name}, in order; none is an empty list */
    public static Lookup<List<String>> lookAll(String name) {
        Objects.requireNonNull(name, "name is null");
        return new Lookup<>(name, data -> {
            List<Result<String>> texts = data.all(name).stream().map(input -> text(name, input)).toList();
            List<FieldError> errors = Result.errorsOf(texts);
            if (!errors.isEmpty()) {
                return new Result.Failed<>(errors);
            }
            return Result.ok(texts.stream().map(result -> ((Result.Ok<String>) result).value()).toList());
        });
    }

    /** @return a lookup of the first value named {@code name}, which must be a file upload */
    public static Lookup<Input> lookFile(String name) {
        Objects.requireNonNull(name, "name is null");
        return new Lookup<>(name, data -> {
            Input input = data.first(name);
            if (input == null) {
                return missing(name);
            }
            return input.isFile() ? Result.ok(input) : invalid(name, "not a file upload");
        });
    }

    /**
     * @param name the field
     * @param converter e.g. {@code Integer::parseInt}; its exception's message goes into the error
     * @return a lookup of the first text value named {@code name}, converted
     */
    public static <T> Lookup<T> lookRead(String name, Converter<? extends T> converter) {
        Objects.requireNonNull(converter, "converter is null");
        return look(name).check(text -> {
            try {
                return Result.ok(converter.convert(text));
            } catch (Exception e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                return Result.invalid("could not read " + quote(text) + ": " + reason);
            }
        });
    }

    /** @return this lookup with its value transformed */
    public <U> Lookup<U> map(Function<? super T, ? extends U> mapper) {
        Objects.requireNonNull(mapper, "mapper is null");
        return new Lookup<>(field, data -> run(data).map(mapper));
    }

    /**
     * The seed's {@code checkRq}: turns the value into a domain value or an error. Errors that
     * name no field ({@link Result#invalid}) are attributed to this lookup's field.
     *
     * @param checker returns {@link Result#ok} or {@link Result#invalid}
     * @return the checked lookup
     */
    public <U> Lookup<U> check(Function<? super T, Result<U>> checker) {
        Objects.requireNonNull(checker, "checker is null");
        return new Lookup<>(field, data -> switch (run(data).flatMap(checker)) {
            case Result.Ok<U> ok -> ok;
            case Result.Failed<U> failed -> new Result.Failed<>(
                    failed.errors().stream().map(error -> error.attributedTo(field)).toList());
        });
    }

    /** @return this lookup where a missing value gives {@code Optional.empty()}; invalid values still fail */
    public Lookup<Optional<T>> optional() {
        return new Lookup<>(field, data -> switch (run(data)) {
            case Result.Ok<T> ok -> Result.ok(Optional.ofNullable(ok.value()));
            case Result.Failed<T> failed -> failed.errors().stream()
                    .allMatch(error -> error.problem() == FieldError.Problem.MISSING)
                    ? Result.ok(Optional.empty())
                    : failed.retype();
        });
    }

    /** @return this lookup with {@code fallback} for a missing value */
    public Lookup<T> orElse(T fallback) {
        return optional().map(value -> value.orElse(fallback));
    }

    /**
     * @param first a source to look in
     * @param more more sources
     * @return this lookup seeing only values from those sources
     */
    public Lookup<T> from(Source first, Source... more) {
        Set<Source> sources = EnumSet.of(first, more);
        return new Lookup<>(field, data -> run(data.only(sources)));
    }

    /** @return a lookup of both values combined; errors of both, in order */
    public static <A, B, R> Lookup<R> combine(Lookup<A> a, Lookup<B> b, BiFunction<? super A, ? super B, ? extends R> combiner) {
        Objects.requireNonNull(combiner, "combiner is null");
        return combined(List.of(a, b), values -> combiner.apply(cast(values.get(0)), cast(values.get(1))));
    }

    /** @return a lookup of three values combined; errors of all, in order */
    public static <A, B, C, R> Lookup<R> combine(Lookup<A> a, Lookup<B> b, Lookup<C> c,
                                                 Function3<? super A, ? super B, ? super C, ? extends R> combiner) {
        Objects.requireNonNull(combiner, "combiner is null");
        return combined(List.of(a, b, c),
                values -> combiner.apply(cast(values.get(0)), cast(values.get(1)), cast(values.get(2))));
    }

    /** @return a lookup of four values combined; errors of all, in order */
    public static <A, B, C, D, R> Lookup<R> combine(Lookup<A> a, Lookup<B> b, Lookup<C> c, Lookup<D> d,
                                                    Function4<? super A, ? super B, ? super C, ? super D, ? extends R> combiner) {
        Objects.requireNonNull(combiner, "combiner is null");
        return combined(List.of(a, b, c, d), values -> combiner.apply(cast(values.get(0)), cast(values.get(1)),
                cast(values.get(2)), cast(values.get(3))));
    }

    /** @return a lookup of five values combined; errors of all, in order */
    public static <A, B, C, D, E, R> Lookup<R> combine(Lookup<A> a, Lookup<B> b, Lookup<C> c, Lookup<D> d, Lookup<E> e,
            Function5<? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> combiner) {
        Objects.requireNonNull(combiner, "combiner is null");
        return combined(List.of(a, b, c, d, e), values -> combiner.apply(cast(values.get(0)), cast(values.get(1)),
                cast(values.get(2)), cast(values.get(3)), cast(values.get(4))));
    }

    /** @return a lookup of every value in order, or every error of every lookup in order */
    public static <T> Lookup<List<T>> all(List<? extends Lookup<? extends T>> lookups) {
        List<Lookup<?>> copy = List.copyOf(lookups);
        return combined(copy, values -> {
            List<T> typed = new ArrayList<>(values.size());
            for (Object value : values) {
                typed.add(cast(value));
            }
            return typed;
        });
    }

    private static <R> Lookup<R> combined(List<? extends Lookup<?>> lookups, Function<List<Object>, ? extends R> combiner) {
        lookups.forEach(lookup -> Objects.requireNonNull(lookup, "lookup is null"));
        return new Lookup<>(null, data -> {
            List<Result<?>> results = new ArrayList<>(lookups.size());
            for (Lookup<?> lookup : lookups) {
                results.add(lookup.run(data));
            }
            List<FieldError> errors = Result.errorsOf(results);
            if (!errors.isEmpty()) {
                return new Result.Failed<>(errors);
            }
            List<Object> values = new ArrayList<>(results.size());
            for (Result<?> result : results) {
                values.add(((Result.Ok<?>) result).value());
            }
            return Result.ok(combiner.apply(values));
        });
    }

    @SuppressWarnings("unchecked")
    private static <V> V cast(Object value) {
        // safe: each position holds the value of the lookup with the matching type parameter
        return (V) value;
    }

    private static <T> Result<T> missing(String name) {
        return Result.error(new FieldError(name, FieldError.Problem.MISSING, "missing"));
    }

    private static <T> Result<T> invalid(String name, String message) {
        return Result.error(new FieldError(name, FieldError.Problem.INVALID, message));
    }

    private static Result<String> text(String name, Input input) {
        return switch (input) {
            case Input.InMemory memory -> {
                try {
                    yield Result.ok(memory.text());
                } catch (CharacterCodingException e) {
                    yield invalid(name, "not valid UTF-8 text");
                }
            }
            case Input.OnDisk ignored -> invalid(name, "a file upload, not a text field");
        };
    }

    private static String quote(String value) {
        String excerpt = value.length() > QUOTE_LIMIT ? value.substring(0, QUOTE_LIMIT) + "..." : value;
        return "\"" + excerpt + "\"";
    }
}
