package dev.weft.server.cli;

/** The text of {@code weft --help}. */
final class Usage {
    static final String TEXT = """
            Usage: weft <command> [flags]

            Commands:
              serve              run the demo server (routes: GET /, /hello, /files/<path>;
                                 POST /sink, /echo, /upload, /wireproto; wireproto command echo)
              plugins            list the transports, protocols and body policies found on the class path
              wireproto --stdio  serve the wireproto protocol on stdin/stdout (logs go to stderr)

            serve flags:
              --host H           address to listen on (default 127.0.0.1)
              --port P           port (default 8080; 0 picks a free one)
              --transport T      nio | epoll (default nio)
              --protocol P       auto | h2 | http/1.1 | wireproto (default auto: detected per connection)
              --root DIR         folder served under /files/ (default: the demo folder shipped with Weft)
              --loops N          event loops (default: number of processors)
              --idle-timeout S   seconds before an idle connection is closed (default 30)
              --max-connections N  open connections at most (default 10000)
              --max-ram SIZE     form values held in memory per request (default 1m)
              --max-disk SIZE    form files saved to disk per request (default 4g)
              --max-header SIZE  headers of one form part, and an HTTP/1.1 request's head (default 16k)
              --max-parts N      parts in one form (default 1000)
              --tmp-dir DIR      where form files are saved (default: a private folder under java.io.tmpdir)
              --min-request-rate SIZE   slowest request body accepted, per second (default 240; 0: off)
              --min-response-rate SIZE  slowest response reading accepted, per second (default 240; 0: off)
              --rate-grace S     seconds each minimum-rate check covers (default 5)
              SIZE accepts a number of bytes or a suffix: 64k, 10m, 2g.

            Environment: JAVA_OPTS is passed to the JVM (e.g. JAVA_OPTS=-Xmx96m weft serve).
            Examples:
              weft serve --port 8443 --transport epoll
              curl --http2-prior-knowledge http://127.0.0.1:8080/hello
              curl http://127.0.0.1:8080/hello      (HTTP/1.1)
            """;

    private Usage() {
    }
}
