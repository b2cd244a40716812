package dev.weft.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The benchmark jar's main: JMH with its usual command line, plus a JSON result file under
 * {@code benchmarks/results/} (or {@code -Dweft.results=DIR}) that wraps JMH's own JSON with the
 * machine, the JVM and the arguments, so a number never travels without what it was measured on.
 */
public final class JmhMain {
    private JmhMain() {
    }

    /**
     * @param args JMH's command line ({@code -h} lists it)
     * @throws Exception if JMH fails
     */
    public static void main(String[] args) throws Exception {
        CommandLineOptions command = new CommandLineOptions(args);
        if (command.shouldHelp() || command.shouldList() || command.shouldListProfilers()
                || command.shouldListResultFormats() || command.shouldListWithParams()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Path directory = Path.of(System.getProperty("weft.results", "benchmarks/results"));
        Files.createDirectories(directory);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path raw = Files.createTempFile("weft-jmh", ".json");
        try {
            new Runner(new OptionsBuilder().parent(command).resultFormat(ResultFormatType.JSON)
                    .result(raw.toString()).build()).run();
            Path out = directory.resolve("jmh-" + stamp + ".json");
            String json = "{\n  \"machine\": " + Machine.json()
                    + ",\n  \"arguments\": " + Machine.json(String.join(" ", args))
                    + ",\n  \"finished\": " + Machine.json(Instant.now().toString())
                    + ",\n  \"jmh\": " + Files.readString(raw, StandardCharsets.UTF_8).strip() + "\n}\n";
            Files.writeString(out, json, StandardCharsets.UTF_8);
            System.out.println("Results: " + out.toAbsolutePath());
        } finally {
            Files.deleteIfExists(raw);
        }
    }
}
