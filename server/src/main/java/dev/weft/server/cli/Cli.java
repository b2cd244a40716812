package dev.weft.server.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * picocli, set up the way {@code weft} has always parsed: a repeated flag takes its last value,
 * {@code @file} arguments are not expanded, and picocli's errors become the one-line messages
 * the launcher's users (and tests) know: {@code unknown flag --x}, {@code --x needs a value}.
 *
 * <p>Threading: stateless.
 */
final class Cli {
    private Cli() {
    }

    static CommandLine commandLine(CommandSpec spec) {
        CommandLine line = new CommandLine(spec);
        line.setOverwrittenOptionsAllowed(true);
        line.setExpandAtFiles(false);
        line.setAbbreviatedOptionsAllowed(false);
        return line;
    }

    /** @return picocli's result, or a {@link UsageException} with weft's wording */
    static ParseResult parse(CommandLine line, String[] args) {
        try {
            return line.parseArgs(args);
        } catch (CommandLine.UnmatchedArgumentException e) {
            List<String> unmatched = e.getUnmatched();
            String first = unmatched.isEmpty() ? "?" : unmatched.getFirst();
            if (first.startsWith("-")) {
                int equals = first.indexOf('=');
                throw new UsageException("unknown flag " + (equals < 0 ? first : first.substring(0, equals)));
            }
            throw new UsageException("unexpected argument '" + first + "'");
        } catch (CommandLine.MissingParameterException e) {
            List<ArgSpec> missing = e.getMissing();
            if (!missing.isEmpty() && missing.getFirst() instanceof OptionSpec option) {
                throw new UsageException(option.longestName() + " needs a value");
            }
            throw new UsageException(e.getMessage());
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
