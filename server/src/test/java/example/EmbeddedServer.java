package example;

import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.server.Weft;
import dev.weft.server.WeftServer;

/** A user's own server: its handler, on the transport and protocol it chooses. */
public final class EmbeddedServer {
    public static WeftServer start(int port) {
        Router router = new Router()
                .get("/greet/{name}", request -> Response.ok("Hello, " + request.pathParameters().get("name") + "!\n"));
        return Weft.builder()
                .handler(router)
                .transport("nio")     // or "epoll" (Linux; run the JVM with --enable-native-access=ALL-UNNAMED)
                .protocol("h2")       // or "wireproto", or "auto" to detect per connection
                .port(port)
                .start();
    }

    public static void main(String[] args) {
        try (WeftServer server = start(8080)) {
            System.out.println("try: curl --http2-prior-knowledge http://127.0.0.1:" + server.port() + "/greet/you");
            server.awaitTermination();
        }
    }
}
