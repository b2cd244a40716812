package dev.weft.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The arguments of a command (a wireproto command's {@code command-argument} frames), in the
 * order received. An argument value is a byte string on the wire, and here too: nothing decodes
 * it, so any bytes (binary, empty, text that is not valid UTF-8) come back exactly as sent.
 * Names are text (they become header names as well).
 *
 * <p>Use {@link #bytes} or {@link #buffer} for exact values; {@link #text} is a convenience for
 * arguments known to be text, and says how it decodes.
 *
 * <p>Threading: immutable, safe to share between threads.
 */
public final class CommandArguments {
    private static final CommandArguments EMPTY = new CommandArguments(List.of(), List.of());

    private final List<String> names;
    /** Owned by this object; handed out only as copies or read-only views. */
    private final List<byte[]> values;

    private CommandArguments(List<String> names, List<byte[]> values) {
        this.names = names;
        this.values = values;
    }

    /** @return no arguments (what requests of other protocols have) */
    public static CommandArguments empty() {
        return EMPTY;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the number of arguments (a repeated name counts once per occurrence) */
    public int size() {
        return names.size();
    }

    /** @return whether there are none */
    public boolean isEmpty() {
        return names.isEmpty();
    }

    /** @return the name of argument {@code index}, as sent */
    public String name(int index) {
        return names.get(index);
    }

    /** @return a read-only view of the value of argument {@code index} */
    public ByteBuffer value(int index) {
        return ByteBuffer.wrap(values.get(index)).asReadOnlyBuffer();
    }

    /** @return whether an argument of this name (exact, case-sensitive) is present */
    public boolean contains(String name) {
        return indexOf(name) >= 0;
    }

    /**
     * @param name the argument name, exact (case-sensitive)
     * @return a copy of the first value of that argument, or {@code null} if absent
     */
    public byte[] bytes(String name) {
        int index = indexOf(name);
        return index < 0 ? null : values.get(index).clone();
    }

    /**
     * @param name the argument name, exact (case-sensitive)
     * @return a read-only view of the first value of that argument (no copy), or {@code null}
     */
    public ByteBuffer buffer(String name) {
        int index = indexOf(name);
        return index < 0 ? null : value(index);
    }

    /**
     * A convenience for text arguments: the first value of {@code name} decoded as UTF-8, with
     * every malformed sequence replaced by U+FFFD. That replacement loses bytes, so use
     * {@link #bytes} wherever the exact value matters.
     *
     * @return the decoded value, or {@code null} if absent
     */
    public String text(String name) {
        int index = indexOf(name);
        return index < 0 ? null : new String(values.get(index), StandardCharsets.UTF_8);
    }

    private int indexOf(String name) {
        Objects.requireNonNull(name, "name is null");
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof CommandArguments that) || !that.names.equals(names)) {
            return false;
        }
        for (int i = 0; i < values.size(); i++) {
            if (!Arrays.equals(values.get(i), that.values.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = names.hashCode();
        for (byte[] value : values) {
            hash = 31 * hash + Arrays.hashCode(value);
        }
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("CommandArguments[");
        for (int i = 0; i < names.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(names.get(i)).append(": ").append(values.get(i).length).append(" bytes");
        }
        return text.append(']').toString();
    }

    /** Builds {@link CommandArguments}. Not thread-safe: one builder per thread. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<byte[]> values = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds an argument at the end.
         *
         * @param value copied, so the caller may reuse the array
         * @return this
         */
        public Builder add(String name, byte[] value) {
            return addOwned(name, Objects.requireNonNull(value, "value is null").clone());
        }

        /**
         * Adds an argument whose array the caller hands over and will not change again (a
         * protocol's own decoded copy): saves a copy per argument.
         *
         * @return this
         */
        public Builder addOwned(String name, byte[] value) {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(value, "value is null");
            names.add(name);
            values.add(value);
            return this;
        }

        /** @return the arguments added so far; the builder may go on being used */
        public CommandArguments build() {
            return names.isEmpty() ? EMPTY : new CommandArguments(List.copyOf(names), List.copyOf(values));
        }
    }
}
