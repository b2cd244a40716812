package dev.weft.benchmarks;

import dev.weft.api.BasicRequest;
import dev.weft.api.Handler;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.api.Router;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Router#handle}: one request per operation, cycling over a mix of literal routes,
 * routes with path parameters, a catch-all, a 405 and a 404, against a table of 24 routes
 * (the demo's plus a small REST API's). The handlers return a shared response, so the score
 * is the router's matching and parameter binding.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RouterBenchmark {
    private static final Response OK = Response.ok("ok");

    private Router router;
    private Request[] requests;
    private int next;

    /** Builds the route table and the requests (requests are reusable: the router only reads them). */
    @Setup
    public void setUp() {
        Handler ok = request -> OK;
        router = new Router();
        router.get("/", ok).get("/hello", ok).get("/files/{path...}", ok).post("/sink", ok).post("/echo", ok)
                .post("/upload", ok).post("/wireproto", ok);
        for (String resource : new String[] {"users", "orders", "products", "carts"}) {
            router.get("/api/v1/" + resource, ok)
                    .post("/api/v1/" + resource, ok)
                    .get("/api/v1/" + resource + "/{id}", ok)
                    .put("/api/v1/" + resource + "/{id}", ok);
        }
        router.get("/api/v1/users/{id}/orders/{order}", ok);
        String[][] mix = {
                {"GET", "/hello"},
                {"GET", "/files/css/site.css"},
                {"POST", "/sink"},
                {"GET", "/api/v1/products"},
                {"GET", "/api/v1/carts/8c1f2a"},
                {"PUT", "/api/v1/orders/1234"},
                {"GET", "/api/v1/users/42/orders/7"},
                {"DELETE", "/api/v1/users/42"},
                {"GET", "/no/such/page"},
                {"GET", "/"},
        };
        requests = new Request[mix.length];
        for (int i = 0; i < mix.length; i++) {
            requests[i] = BasicRequest.builder().method(mix[i][0]).target(mix[i][1]).build();
        }
    }

    /** Routes one request of the mix. */
    @Benchmark
    public Response route() throws Exception {
        next = next + 1 == requests.length ? 0 : next + 1;
        return router.handle(requests[next]);
    }
}
