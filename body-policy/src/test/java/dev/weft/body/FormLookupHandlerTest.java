package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.api.Body;
import dev.weft.api.Content;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Handler;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A handler written the way the API means it: parse, look up, answer every error at once. */
@Timeout(10)
class FormLookupHandlerTest {
    record Signup(String name, int age, String avatarName, boolean newsletter) { }

    private static final Lookup<Signup> SIGNUP = Lookup.combine(
            Lookup.look("name").from(Source.BODY),
            Lookup.lookRead("age", Integer::parseInt).from(Source.BODY)
                    .check(age -> age >= 18 ? Result.ok(age) : Result.invalid("must be at least 18")),
            Lookup.lookFile("avatar").map(Input::fileName),
            Lookup.lookRead("newsletter", Boolean::parseBoolean).orElse(false),
            Signup::new);

    @TempDir
    Path root;

    private TempDirectory temp;
    private ExchangeResources resources;
    private Handler handler;

    @BeforeEach
    void open() throws IOException {
        temp = TempDirectory.open(root.resolve("weft"));
        resources = new ExchangeResources();
        FormParser parser = FormParser.create(temp);
        handler = request -> {
            try (FormData form = parser.parse(request)) {
                Signup signup = SIGNUP.run(form).orElseThrow();
                return Response.ok(signup.toString());
            } catch (FormException rejected) {
                return rejected.toResponse();
            }
        };
    }

    @AfterEach
    void close() {
        resources.close();
        temp.close();
    }

    private Response post(String query, Multipart form) throws Exception {
        return handler.handle(Request.builder().method("POST").target("/signup" + query)
                .headers(Headers.of("content-type", Multipart.CONTENT_TYPE)).body(Body.of(form.build()))
                .resources(resources).build());
    }

    private static String text(Response response) {
        return StandardCharsets.UTF_8.decode(((Content.Bytes) response.content()).buffer().duplicate()).toString();
    }

    @Test
    void validFormBuildsTheDomainValue() throws Exception {
        Response response = post("", new Multipart().field("name", "Ada").field("age", "36")
                .file("avatar", "ada.png", "image/png", new byte[] {1, 2, 3}));
        assertEquals(200, response.status());
        assertEquals("Signup[name=Ada, age=36, avatarName=ada.png, newsletter=false]", text(response));
    }

    @Test
    void everyProblemIsReportedInOneAnswer() throws Exception {
        // name only in the query (the lookup wants the body), age too low, no avatar;
        // "yes" is not an error: Boolean.parseBoolean reads anything but "true" as false
        Response response = post("?name=Ada", new Multipart().field("age", "12").field("newsletter", "yes"));
        assertEquals(400, response.status());
        assertEquals("name: missing\nage: must be at least 18\navatar: missing\n", text(response));
    }
}
