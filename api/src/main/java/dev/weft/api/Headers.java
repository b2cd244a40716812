package dev.weft.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An ordered, multi-valued, immutable list of header fields with lower-case names.
 *
 * <p>Order is kept as received (or as added) because HTTP allows repeated fields whose order
 * matters. Names are lower-cased on the way in by {@link Builder#add}; wire decoders that must
 * reject upper-case names (HTTP/2, RFC 9113 §8.2.1) check before building.
 *
 * <p>Threading: immutable, safe to share between threads.
 */
public final class Headers implements Iterable<Map.Entry<String, String>> {
    private static final Headers EMPTY = new Headers(new String[0], 0);

    /** name0, value0, name1, value1, ... */
    private final String[] fields;
    private final int size;
    /**
     * Whether {@link #requireSendable} passed once: a cache of a fact about immutable fields, so
     * a racy write only repeats the check (like {@code String.hash}).
     */
    private boolean sendable;

    private Headers(String[] fields, int size) {
        this.fields = fields;
        this.size = size;
    }

    /** @return the empty header list */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * @param namesAndValues name, value, name, value, ...
     * @return headers holding those fields in that order
     */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must come in pairs");
        }
        Builder builder = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            builder.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return builder.build();
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder that starts with these fields */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.fields = Arrays.copyOf(fields, Math.max(8, size * 2 + 4));
        builder.size = size;
        return builder;
    }

    /** @return the number of fields (a repeated name counts once per occurrence) */
    public int size() {
        return size;
    }

    /** @return whether there are no fields */
    public boolean isEmpty() {
        return size == 0;
    }

    /** @return the name of field {@code index} */
    public String name(int index) {
        Objects.checkIndex(index, size);
        return fields[index * 2];
    }

    /** @return the value of field {@code index} */
    public String value(int index) {
        Objects.checkIndex(index, size);
        return fields[index * 2 + 1];
    }

    /**
     * @param name a field name, any case
     * @return the first value of that field, or {@code null}
     */
    public String get(String name) {
        String lower = lowerCase(name);
        for (int i = 0; i < size; i++) {
            if (fields[i * 2].equals(lower)) {
                return fields[i * 2 + 1];
            }
        }
        return null;
    }

    /** @return every value of the named field, in order; empty if none */
    public List<String> getAll(String name) {
        String lower = lowerCase(name);
        List<String> values = null;
        for (int i = 0; i < size; i++) {
            if (fields[i * 2].equals(lower)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(fields[i * 2 + 1]);
            }
        }
        return values == null ? List.of() : Collections.unmodifiableList(values);
    }

    /** @return whether the named field occurs at least once */
    public boolean contains(String name) {
        return get(name) != null;
    }

    /** Calls {@code action} with each name and value, in order. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            action.accept(fields[i * 2], fields[i * 2 + 1]);
        }
    }

    /** @return these fields plus one more at the end */
    public Headers with(String name, String value) {
        return toBuilder().add(name, value).build();
    }

    /** @return these fields with every occurrence of {@code name} replaced by one field */
    public Headers withReplaced(String name, String value) {
        return toBuilder().set(name, value).build();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                int i = next++;
                return Map.entry(fields[i * 2], fields[i * 2 + 1]);
            }
        };
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Headers that) || that.size != size) {
            return false;
        }
        return Arrays.equals(fields, 0, size * 2, that.fields, 0, size * 2);
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (int i = 0; i < size * 2; i++) {
            hash = 31 * hash + fields[i].hashCode();
        }
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Headers[");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                text.append(", ");
            }
            text.append(fields[i * 2]).append(": ").append(fields[i * 2 + 1]);
        }
        return text.append(']').toString();
    }

    /**
     * Refuses fields that no HTTP version can carry, where the handler sets them (issue 17), rather
     * than have the server drop them on the wire: a name that is empty or has a character outside
     * visible ASCII, or a colon (RFC 9113 §8.2.1; this excludes pseudo-headers); a value with NUL,
     * CR or LF (RFC 9113 §8.2.1, and header injection in HTTP/1.1), or with characters above
     * U+00FF (fields are octets and the servers write Latin-1: encode others, e.g. percent-encoding
     * or RFC 8187's {@code filename*=UTF-8''...}).
     *
     * @param role what the fields are, for the message ("response header", "trailer")
     * @return this
     * @throws IllegalArgumentException naming the first field that cannot be sent and why
     */
    Headers requireSendable(String role) {
        if (sendable) {
            return this;
        }
        for (int i = 0; i < size; i++) {
            String name = fields[i * 2];
            String value = fields[i * 2 + 1];
            if (name.isEmpty()) {
                throw new IllegalArgumentException(role + " with an empty name cannot be sent");
            }
            for (int at = 0; at < name.length(); at++) {
                char c = name.charAt(at);
                if (c <= 0x20 || c >= 0x7f || c == ':') {
                    throw new IllegalArgumentException(String.format(
                            "%s name \"%s\" cannot be sent: %s at index %d (names are visible ASCII without ':')",
                            role, name, describe(c), at));
                }
            }
            for (int at = 0; at < value.length(); at++) {
                char c = value.charAt(at);
                if (c == 0 || c == '\r' || c == '\n') {
                    throw new IllegalArgumentException(String.format(
                            "%s %s cannot be sent: its value has %s at index %d (NUL, CR and LF are forbidden)",
                            role, name, describe(c), at));
                }
                if (c > 0xff) {
                    throw new IllegalArgumentException(String.format(
                            "%s %s cannot be sent: its value has %s at index %d, outside Latin-1 "
                                    + "(encode it, e.g. percent-encoding or RFC 8187)",
                            role, name, describe(value.codePointAt(at)), at));
                }
            }
        }
        sendable = true;
        return this;
    }

    private static String describe(int codePoint) {
        String hex = String.format("U+%04X", codePoint);
        boolean printable = (codePoint > 0x20 && codePoint < 0x7f) || (codePoint > 0xff && !Character.isISOControl(codePoint));
        return printable ? "'" + Character.toString(codePoint) + "' (" + hex + ")" : hex;
    }

    private static String lowerCase(String name) {
        Objects.requireNonNull(name, "name is null");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }

    /**
     * Builds {@link Headers}. Not thread-safe: one builder per thread.
     */
    public static final class Builder {
        private String[] fields = new String[16];
        private int size;

        private Builder() {
        }

        /** Adds a field at the end; the name is lower-cased. */
        public Builder add(String name, String value) {
            Objects.requireNonNull(value, "value is null");
            if (size * 2 == fields.length) {
                fields = Arrays.copyOf(fields, fields.length * 2);
            }
            fields[size * 2] = lowerCase(name);
            fields[size * 2 + 1] = value;
            size++;
            return this;
        }

        /** Removes every occurrence of {@code name}, then adds one field with {@code value}. */
        public Builder set(String name, String value) {
            remove(name);
            return add(name, value);
        }

        /** Removes every occurrence of {@code name}. */
        public Builder remove(String name) {
            String lower = lowerCase(name);
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (!fields[i * 2].equals(lower)) {
                    fields[kept * 2] = fields[i * 2];
                    fields[kept * 2 + 1] = fields[i * 2 + 1];
                    kept++;
                }
            }
            Arrays.fill(fields, kept * 2, size * 2, null);
            size = kept;
            return this;
        }

        /** @return the number of fields added so far */
        public int size() {
            return size;
        }

        /** @return the headers built so far; the builder may go on being used */
        public Headers build() {
            return size == 0 ? EMPTY : new Headers(Arrays.copyOf(fields, size * 2), size);
        }
    }
}
