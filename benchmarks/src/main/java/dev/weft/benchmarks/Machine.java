package dev.weft.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a result was measured on: CPU model and count, OS, JVM. Written next to every result. */
final class Machine {
    private Machine() {
    }

    /** @return the description, in a stable order */
    static Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("cpuModel", cpuModel());
        out.put("onlineCpus", Integer.toString(onlineCpus()));
        out.put("availableProcessors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        out.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
                + " (" + System.getProperty("java.vm.vendor") + ")");
        out.put("maxHeapMiB", Long.toString(Runtime.getRuntime().maxMemory() >> 20));
        return out;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }

    private static int onlineCpus() {
        try {
            return (int) Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** @return {@code value} as a JSON string literal */
    static String json(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** @return the description as a JSON object */
    static String json() {
        StringBuilder out = new StringBuilder("{");
        describe().forEach((key, value) -> out.append(out.length() > 1 ? ", " : "").append(json(key)).append(": ").append(json(value)));
        return out.append('}').toString();
    }
}
