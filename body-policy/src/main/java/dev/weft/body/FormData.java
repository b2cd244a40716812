package dev.weft.body;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A request's form values from the query string, the body and the cookies, in that order
 * (within a source, in the order the client sent them). Lookups ({@link Lookup}) run against
 * it, optionally restricted to some sources.
 *
 * <p>Closing it deletes the temp files of its body parts early; otherwise they go when the
 * exchange ends.
 *
 * <p>Threading: immutable after construction; {@link #close()} is idempotent and thread-safe.
 */
public final class FormData implements AutoCloseable {
    private final List<FormField> fields;
    private final List<TempFile> tempFiles;

    /**
     * @param fields the values in lookup order
     * @param tempFiles the temp files behind {@link Input.OnDisk} values, deleted by {@link #close()}
     */
    public FormData(List<FormField> fields, List<TempFile> tempFiles) {
        this.fields = List.copyOf(fields);
        this.tempFiles = List.copyOf(tempFiles);
    }

    /** @return form data holding {@code fields} and no temp files, e.g. for tests */
    public static FormData of(List<FormField> fields) {
        return new FormData(fields, List.of());
    }

    /** @return every value in lookup order */
    public List<FormField> fields() {
        return fields;
    }

    /** @return the values from {@code sources} only, sharing no temp-file ownership */
    public FormData only(Set<Source> sources) {
        Set<Source> wanted = sources.isEmpty() ? EnumSet.noneOf(Source.class) : EnumSet.copyOf(sources);
        return new FormData(fields.stream().filter(field -> wanted.contains(field.source())).toList(), List.of());
    }

    /** @return the first value named {@code name}, or {@code null} */
    public Input first(String name) {
        Objects.requireNonNull(name, "name is null");
        for (FormField field : fields) {
            if (field.name().equals(name)) {
                return field.input();
            }
        }
        return null;
    }

    /** @return every value named {@code name}, in order */
    public List<Input> all(String name) {
        Objects.requireNonNull(name, "name is null");
        List<Input> found = new ArrayList<>();
        for (FormField field : fields) {
            if (field.name().equals(name)) {
                found.add(field.input());
            }
        }
        return found;
    }

    /** @return the values of one source, in order */
    public List<FormField> from(Source source) {
        return fields.stream().filter(field -> field.source() == source).toList();
    }

    /** Deletes the temp files of this form's body parts now. Idempotent. */
    @Override
    public void close() {
        tempFiles.forEach(TempFile::close);
    }
}
