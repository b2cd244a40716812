package dev.weft.server.cli;

import dev.weft.server.WeftStartupException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code weft}: the command line. {@code serve} runs the demo server, {@code plugins} lists what
 * the class path provides, {@code wireproto --stdio} serves wireproto on stdin/stdout.
 *
 * <p>Errors the user can fix (bad flag, port in use, unknown name) print one line to stderr and
 * exit non-zero, without a stack trace.
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
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs a command. {@code serve} blocks until the server stops.
     *
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(Usage.TEXT);
            return 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "serve" -> ServeCommand.run(Flags.parse(rest, ServeCommand.FLAGS), out);
                case "plugins" -> PluginsCommand.run(Flags.parse(rest, PluginsCommand.FLAGS), out);
                case "wireproto" -> WireprotoCommand.run(Flags.parse(rest, WireprotoCommand.FLAGS));
                default -> {
                    err.println("weft: unknown command '" + args[0] + "' (see weft --help)");
                    yield USAGE;
                }
            };
        } catch (Flags.UsageException e) {
            err.println("weft: " + e.getMessage() + " (see weft --help)");
            return USAGE;
        } catch (WeftStartupException e) {
            err.println("weft: " + e.getMessage());
            return FAILED;
        }
    }
}
