package dev.weft.server.cli;

import dev.weft.body.Sizes;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The settings of one {@code weft serve}, resolved from four layers: a flag wins over the
 * environment ({@code WEFT_MAX_RAM}), which wins over the config file ({@code --config FILE} or
 * {@code WEFT_CONFIG}; {@code max-ram=10m}), which wins over the default. Every value is checked
 * when resolved, so a bad one anywhere is one {@link UsageException} naming the flag and where
 * the value came from, before anything starts.
 *
 * <p>The config file is a Java properties file: the settings are flat {@code name=value} pairs
 * exactly like the flags, which the JDK reads with no dependency (a nested format would add a
 * library and nothing an operator needs here).
 *
 * <p>Threading: immutable once resolved.
 */
final class ServeConfig {
    /** Config file from the environment when {@code --config} is absent. */
    static final String CONFIG_VARIABLE = "WEFT_CONFIG";

    private final Map<ServeSetting, Object> values;
    private final Map<ServeSetting, String> origins;

    private ServeConfig(Map<ServeSetting, Object> values, Map<ServeSetting, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /** @return the picocli model of {@code weft serve}: every setting, {@code --config}, {@code --help} */
    static CommandSpec commandSpec() {
        CommandSpec spec = CommandSpec.create().name("serve");
        for (ServeSetting setting : ServeSetting.values()) {
            OptionSpec.Builder option = OptionSpec.builder(setting.flag()).paramLabel(setting.label).description(setting.description);
            if (setting.kind == ServeSetting.Kind.SWITCH) {
                option.type(boolean.class).arity("0");
            } else {
                option.type(String.class).arity("1");
            }
            spec.addOption(option.build());
        }
        spec.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(String.class).arity("1").build());
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).build());
        return spec;
    }

    /**
     * Resolves the command line of {@code weft serve} against the environment and the file.
     *
     * @param parsed picocli's result for {@link #commandSpec()}
     * @param environment the process environment (only {@code WEFT_<SETTING>} and {@link #CONFIG_VARIABLE} are read)
     * @throws UsageException for a bad value, an unknown file key or an unreadable file
     */
    static ServeConfig resolve(ParseResult parsed, Map<String, String> environment) {
        Optional<Path> file = Optional.ofNullable(parsed.<String>matchedOptionValue("--config", null))
                .or(() -> Optional.ofNullable(environment.get(CONFIG_VARIABLE)))
                .map(Path::of);
        Properties fromFile = file.map(ServeConfig::load).orElseGet(Properties::new);
        Map<ServeSetting, Object> values = new EnumMap<>(ServeSetting.class);
        Map<ServeSetting, String> origins = new EnumMap<>(ServeSetting.class);
        for (ServeSetting setting : ServeSetting.values()) {
            String text;
            String origin;
            if (parsed.hasMatchedOption(setting.flag())) {
                origin = "flag";
                text = setting.kind == ServeSetting.Kind.SWITCH ? "true" : parsed.matchedOptionValue(setting.flag(), "");
            } else if (environment.containsKey(setting.environmentVariable())) {
                origin = setting.environmentVariable();
                text = environment.get(setting.environmentVariable());
            } else if (fromFile.containsKey(setting.key())) {
                origin = "config file " + file.orElseThrow();
                text = fromFile.getProperty(setting.key());
            } else {
                origin = "default";
                text = setting.defaultValue;
            }
            if (text != null) {
                values.put(setting, parse(setting, text.strip(), origin));
                origins.put(setting, origin);
            }
        }
        return new ServeConfig(values, origins);
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new UsageException("config file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("cannot read config file " + file + ": " + e.getMessage());
        }
        TreeSet<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        for (ServeSetting setting : ServeSetting.values()) {
            unknown.remove(setting.key());
        }
        if (!unknown.isEmpty()) {
            throw new UsageException("unknown key '" + unknown.first() + "' in config file " + file
                    + " (its keys are the serve flags without --)");
        }
        return properties;
    }

    /** Checks one value; the message names the flag and, unless it was the flag, where the value came from. */
    private static Object parse(ServeSetting setting, String text, String origin) {
        String from = origin.equals("flag") ? "" : ", from " + origin;
        return switch (setting.kind) {
            case TEXT -> text;
            case WHOLE -> (int) whole(setting, text, from);
            case SECONDS -> Duration.ofSeconds(whole(setting, text, from));
            case SIZE -> {
                long bytes;
                try {
                    bytes = Sizes.parse(text);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(setting.flag() + ": " + e.getMessage() + from);
                }
                if (bytes < setting.min || bytes > setting.max) {
                    throw new UsageException(setting.flag() + " must be " + range(setting) + " bytes: " + text + from);
                }
                yield bytes;
            }
            case SWITCH -> switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new UsageException(setting.flag() + " must be true or false: " + text + from);
            };
        };
    }

    private static long whole(ServeSetting setting, String text, String from) {
        long parsed;
        try {
            parsed = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException(setting.flag() + " must be a whole number: " + text + from);
        }
        if (parsed < setting.min || parsed > setting.max) {
            throw new UsageException(setting.flag() + " must be " + range(setting) + ": " + text + from);
        }
        return parsed;
    }

    private static String range(ServeSetting setting) {
        return setting.max >= Integer.MAX_VALUE ? "at least " + setting.min : setting.min + ".." + setting.max;
    }

    /** @return whether the value came from a flag, the environment or the file (not the default) */
    boolean isSet(ServeSetting setting) {
        String origin = origins.get(setting);
        return origin != null && !origin.equals("default");
    }

    /** @return where the value came from: {@code flag}, {@code WEFT_...}, {@code config file F}, {@code default} */
    String origin(ServeSetting setting) {
        return origins.getOrDefault(setting, "default");
    }

    /** @return the text, if any layer or the default gives one */
    Optional<String> text(ServeSetting setting) {
        return Optional.ofNullable((String) typed(setting, ServeSetting.Kind.TEXT));
    }

    /** @return the whole number, or {@code fallback} for a setting whose default is computed */
    int whole(ServeSetting setting, int fallback) {
        Integer value = (Integer) typed(setting, ServeSetting.Kind.WHOLE);
        return value == null ? fallback : value;
    }

    /** @return the whole number (the setting has a default) */
    int whole(ServeSetting setting) {
        return (Integer) required(setting, ServeSetting.Kind.WHOLE);
    }

    /** @return the duration */
    Duration seconds(ServeSetting setting) {
        return (Duration) required(setting, ServeSetting.Kind.SECONDS);
    }

    /** @return the size in bytes */
    long size(ServeSetting setting) {
        return (Long) required(setting, ServeSetting.Kind.SIZE);
    }

    /** @return the size, which the setting's bounds keep within an int */
    int intSize(ServeSetting setting) {
        return Math.toIntExact(size(setting));
    }

    /** @return whether the switch is on */
    boolean on(ServeSetting setting) {
        Boolean value = (Boolean) typed(setting, ServeSetting.Kind.SWITCH);
        return value != null && value;
    }

    private Object typed(ServeSetting setting, ServeSetting.Kind kind) {
        if (setting.kind != kind) {
            throw new IllegalArgumentException(setting + " is " + setting.kind + ", not " + kind);
        }
        return values.get(setting);
    }

    private Object required(ServeSetting setting, ServeSetting.Kind kind) {
        Object value = typed(setting, kind);
        if (value == null) {
            throw new IllegalStateException(setting + " has no default");
        }
        return value;
    }
}
