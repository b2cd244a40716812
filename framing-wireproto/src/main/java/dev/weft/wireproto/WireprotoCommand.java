package dev.weft.wireproto;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A command for {@link WireprotoClient}: name, arguments, and data if any.
 *
 * @param name the command name
 * @param arguments its arguments, in order
 * @param data its data, or {@code null} for none (an empty array sends an empty data stream)
 */
public record WireprotoCommand(String name, List<Argument> arguments, byte[] data) {

    /** Copies the argument list. */
    public WireprotoCommand {
        Objects.requireNonNull(name, "name is null");
        arguments = List.copyOf(arguments);
    }

    /** @return a command with no arguments and no data */
    public static WireprotoCommand of(String name) {
        return new WireprotoCommand(name, List.of(), null);
    }

    /** @return this command with one more argument, {@code value} in UTF-8 */
    public WireprotoCommand withArgument(String argumentName, String value) {
        List<Argument> more = new ArrayList<>(arguments);
        more.add(Argument.of(argumentName, value));
        return new WireprotoCommand(name, more, data);
    }

    /** @return this command with one more argument whose value is exactly {@code value} (copied) */
    public WireprotoCommand withArgument(String argumentName, byte[] value) {
        List<Argument> more = new ArrayList<>(arguments);
        more.add(new Argument(argumentName, value.clone()));
        return new WireprotoCommand(name, more, data);
    }

    /** @return this command with data */
    public WireprotoCommand withData(byte[] bytes) {
        return new WireprotoCommand(name, arguments, bytes);
    }

    /** @return this command with {@code text} as UTF-8 data */
    public WireprotoCommand withData(String text) {
        return withData(text.getBytes(StandardCharsets.UTF_8));
    }
}
