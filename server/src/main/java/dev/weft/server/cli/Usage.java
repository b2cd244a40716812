package dev.weft.server.cli;

/** The text of {@code weft --help}: the commands, then every {@code serve} setting from {@link ServeSetting}. */
final class Usage {
    private static final String HEAD = """
            Usage: weft <command> [flags]

            Commands:
              serve              run the demo server (routes: GET /, /hello, /files/<path>;
                                 POST /sink, /echo, /upload, /wireproto; wireproto command echo)
              plugins            list the transports, protocols and body policies found on the class path
              wireproto --stdio  serve the wireproto protocol on stdin/stdout (logs go to stderr)
                                 [--root DIR] [--tmp-dir DIR] [--wireproto-revision 0001|0002]

            serve flags. Each is also the environment variable WEFT_<NAME> (WEFT_MAX_RAM=10m) and the
            key <name> of a properties file given by --config FILE or WEFT_CONFIG (max-ram=10m).
            A flag wins over the environment, which wins over the file, which wins over the default.
              --config FILE                           settings file (name=value lines, # comments)
            """;

    private static final String TAIL = """
              SIZE accepts a number of bytes or a suffix: 64k, 10m, 2g. S is whole seconds.

            Environment: JAVA_OPTS is passed to the JVM (e.g. JAVA_OPTS=-Xmx96m weft serve).
            Examples:
              weft serve --port 8443 --transport epoll
              WEFT_H2_MAX_CONCURRENT_STREAMS=64 weft serve --config /etc/weft.properties
              curl --http2-prior-knowledge http://127.0.0.1:8080/hello
              curl http://127.0.0.1:8080/hello      (HTTP/1.1)
            """;

    private Usage() {
    }

    static String text() {
        StringBuilder text = new StringBuilder(HEAD);
        ServeSetting.Group group = null;
        for (ServeSetting setting : ServeSetting.values()) {
            if (setting.group != group) {
                group = setting.group;
                text.append("  ").append(group.title).append(":\n");
            }
            String flag = setting.kind == ServeSetting.Kind.SWITCH ? setting.flag() : setting.flag() + " " + setting.label;
            String description = setting.description
                    + (setting.defaultValue == null || setting.kind == ServeSetting.Kind.SWITCH ? "" : " (default " + setting.defaultValue + ")");
            text.append(String.format("    %-37s %s%n", flag, description));
        }
        return text.append(TAIL).toString();
    }
}
