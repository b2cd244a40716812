package dev.weft.server.cli;

import dev.weft.server.WeftStartupException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@code weft}: the command line. {@code serve} runs the demo server, {@code plugins} lists what
 * the class path provides, {@code wireproto --stdio} serves wireproto on stdin/stdout. Flags are
 * parsed by picocli ({@link Cli}); {@code serve}'s settings also come from the environment and a
 * config file ({@link ServeConfig}).
 *
 * <p>Errors the user can fix (bad flag or value, port in use, unknown name) print one line to
 * stderr and exit non-zero, without a stack trace.
 */
public final class Main {
    /** Exit status for a command line that makes no sense. */
    static final int USAGE = 2;
    /** Exit status for a server that could not start. */
    static final int FAILED = 1;

    private Main() {
    }

    /** @param args the command line */
    public static void main(String[] args) {
        System.setErr(LineBatchStream.stderr(System.err.charset()));
        int status = run(args, System.getenv(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** As {@link #run(String[], Map, PrintStream, PrintStream)} with the process environment. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    /**
     * Runs a command. {@code serve} blocks until the server stops.
     *
     * @param environment where {@code WEFT_*} overrides are read
     * @return the exit status
     */
    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(Usage.text());
            return 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "serve" -> {
                    CommandLine line = Cli.commandLine(ServeConfig.commandSpec());
                    ParseResult parsed = Cli.parse(line, rest);
                    if (parsed.isUsageHelpRequested()) {
                        out.print(Usage.text());
                        yield 0;
                    }
                    yield ServeCommand.run(ServeConfig.resolve(parsed, environment), out);
                }
                case "plugins" -> {
                    Cli.parse(Cli.commandLine(PluginsCommand.commandSpec()), rest);
                    yield PluginsCommand.run(out);
                }
                case "wireproto" -> WireprotoCommand.run(Cli.parse(Cli.commandLine(WireprotoCommand.commandSpec()), rest));
                default -> {
                    err.println("weft: unknown command '" + args[0] + "' (see weft --help)");
                    yield USAGE;
                }
            };
        } catch (UsageException e) {
            err.println("weft: " + e.getMessage() + " (see weft --help)");
            return USAGE;
        } catch (WeftStartupException e) {
            err.println("weft: " + e.getMessage());
            return FAILED;
        }
    }
}
