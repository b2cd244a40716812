package dev.weft.body;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LookupTest {
    private static FormField query(String name, String value) {
        return new FormField(Source.QUERY, name, Input.InMemory.text(value));
    }

    private static FormField body(String name, String value) {
        return new FormField(Source.BODY, name, Input.InMemory.text(value));
    }

    private static FormField cookie(String name, String value) {
        return new FormField(Source.COOKIE, name, Input.InMemory.text(value));
    }

    private static FormField upload(String name, String fileName) {
        return new FormField(Source.BODY, name,
                new Input.OnDisk(Path.of("/nonexistent/upload.tmp"), 3, fileName, "text/plain", Optional.empty()));
    }

    private static final FormData FORM = FormData.of(List.of(
            query("page", "2"), query("tag", "a"), query("name", "from-query"),
            body("name", "Ada"), body("age", "36"), body("tag", "b"), body("tag", "c"), body("bad", "x1"),
            upload("avatar", "ada.png"),
            cookie("session", "s3cr3t"), cookie("name", "from-cookie")));

    private static List<String> messages(Result<?> result) {
        return ((Result.Failed<?>) assertInstanceOf(Result.Failed.class, result)).messages();
    }

    @SuppressWarnings("unchecked")
    private static <T> T value(Result<T> result) {
        return ((Result.Ok<T>) assertInstanceOf(Result.Ok.class, result, () -> "errors: " + result.errors())).value();
    }

    record Person(String name, int age, String email) { }

    @Test
    void looksUpTheFirstValueInQueryBodyCookieOrder() {
        assertEquals("from-query", value(Lookup.look("name").run(FORM)));
        assertEquals("Ada", value(Lookup.look("name").from(Source.BODY).run(FORM)));
        assertEquals("from-cookie", value(Lookup.look("name").from(Source.COOKIE).run(FORM)));
        assertEquals("s3cr3t", value(Lookup.look("session").run(FORM)));
    }

    @Test
    void threeMissingFieldsGiveThreeMessagesInOrder() {
        Lookup<String> three = Lookup.combine(Lookup.look("first"), Lookup.look("second"), Lookup.look("third"),
                (a, b, c) -> a + b + c);
        assertEquals(List.of("first: missing", "second: missing", "third: missing"), messages(three.run(FORM)));
    }

    @Test
    void combinationReportsEveryKindOfFailureInArgumentOrder() {
        Lookup<Person> person = Lookup.combine(
                Lookup.look("email"),
                Lookup.lookRead("bad", Integer::parseInt),
                Lookup.lookRead("age", Integer::parseInt).check(age -> age < 40 ? Result.invalid("must be at least 40") : Result.ok(age)),
                (email, bad, age) -> new Person("x", age, email));
        assertEquals(List.of(
                "email: missing",
                "bad: could not read \"x1\": For input string: \"x1\"",
                "age: must be at least 40"), messages(person.run(FORM)));
    }

    @Test
    void combinationBuildsTheDomainValueWhenAllSucceed() {
        Lookup<Person> person = Lookup.combine(
                Lookup.look("name").from(Source.BODY),
                Lookup.lookRead("age", Integer::parseInt),
                Lookup.look("email").orElse("none"),
                Person::new);
        assertEquals(new Person("Ada", 36, "none"), value(person.run(FORM)));
    }

    @Test
    void fourAndFiveWayCombinationsKeepOrder() {
        Lookup<String> four = Lookup.combine(Lookup.look("a"), Lookup.look("page"), Lookup.look("b"), Lookup.look("c"),
                (a, b, c, d) -> a + b + c + d);
        assertEquals(List.of("a: missing", "b: missing", "c: missing"), messages(four.run(FORM)));
        Lookup<String> five = Lookup.combine(Lookup.look("page"), Lookup.look("name"), Lookup.look("age"),
                Lookup.look("session"), Lookup.look("bad"), (a, b, c, d, e) -> String.join(",", a, b, c, d, e));
        assertEquals("2,from-query,36,s3cr3t,x1", value(five.run(FORM)));
    }

    @Test
    void nestedCombinationsFlattenErrorsInOrder() {
        Lookup<String> inner = Lookup.combine(Lookup.look("x"), Lookup.look("y"), (x, y) -> x + y);
        Lookup<String> outer = Lookup.combine(Lookup.look("w"), inner, Lookup.look("z"), (w, xy, z) -> w + xy + z);
        assertEquals(List.of("w: missing", "x: missing", "y: missing", "z: missing"), messages(outer.run(FORM)));
    }

    @Test
    void allRunsAListOfLookups() {
        assertEquals(List.of("2", "Ada"), value(Lookup.all(List.of(Lookup.look("page"), Lookup.look("name").from(Source.BODY))).run(FORM)));
        assertEquals(List.of("p: missing", "q: missing"),
                messages(Lookup.all(List.of(Lookup.look("p"), Lookup.look("page"), Lookup.look("q"))).run(FORM)));
    }

    @Test
    void lookAllReturnsEveryValueInOrderAndEmptyWhenNone() {
        assertEquals(List.of("a", "b", "c"), value(Lookup.lookAll("tag").run(FORM)));
        assertEquals(List.of("b", "c"), value(Lookup.lookAll("tag").from(Source.BODY).run(FORM)));
        assertEquals(List.of(), value(Lookup.lookAll("nothing").run(FORM)));
    }

    @Test
    void scopesRestrictLookups() {
        assertEquals(List.of("session: missing"), messages(Lookup.look("session").from(Source.QUERY, Source.BODY).run(FORM)));
        assertEquals(List.of("page: missing"), messages(Lookup.look("page").from(Source.BODY).run(FORM)));
        assertEquals("2", value(Lookup.look("page").from(Source.QUERY).run(FORM)));
    }

    @Test
    void lookFileAcceptsUploadsAndRejectsTextFields() {
        Input avatar = value(Lookup.lookFile("avatar").run(FORM));
        assertEquals("ada.png", avatar.fileName());
        assertEquals(List.of("name: not a file upload"), messages(Lookup.lookFile("name").run(FORM)));
        assertEquals(List.of("none: missing"), messages(Lookup.lookFile("none").run(FORM)));
    }

    @Test
    void lookOnAFileOnDiskIsAnErrorNotAHugeString() {
        assertEquals(List.of("avatar: a file upload, not a text field"), messages(Lookup.look("avatar").run(FORM)));
    }

    @Test
    void invalidUtf8IsAnError() {
        FormData form = FormData.of(List.of(new FormField(Source.BODY, "raw",
                new Input.InMemory(new byte[] {(byte) 0xC3, (byte) 0x28}, null, null))));
        assertEquals(List.of("raw: not valid UTF-8 text"), messages(Lookup.look("raw").run(form)));
    }

    @Test
    void optionalForgivesMissingButNotInvalid() {
        assertEquals(Optional.empty(), value(Lookup.look("email").optional().run(FORM)));
        assertEquals(Optional.of(36), value(Lookup.lookRead("age", Integer::parseInt).optional().run(FORM)));
        assertEquals(List.of("bad: could not read \"x1\": For input string: \"x1\""),
                messages(Lookup.lookRead("bad", Integer::parseInt).optional().run(FORM)));
    }

    @Test
    void checkErrorsNamingAFieldKeepTheirName() {
        Lookup<String> checked = Lookup.look("name").check(name -> Result.error(
                new FieldError("other", FieldError.Problem.INVALID, "conflicts")));
        assertEquals(List.of("other: conflicts"), messages(checked.run(FORM)));
    }

    @Test
    void checkIsSkippedWhenTheValueIsMissing() {
        boolean[] called = {false};
        Lookup<String> checked = Lookup.look("nope").check(value -> {
            called[0] = true;
            return Result.ok(value);
        });
        assertEquals(List.of("nope: missing"), messages(checked.run(FORM)));
        assertTrue(!called[0]);
    }

    @Test
    void errorsOfACombinationCheckAreFormWide() {
        Lookup<Integer> range = Lookup.combine(Lookup.lookRead("page", Integer::parseInt), Lookup.lookRead("age", Integer::parseInt),
                (page, age) -> new int[] {page, age}).check(pair -> pair[0] > pair[1] ? Result.ok(pair[0]) : Result.invalid("page must exceed age"));
        assertEquals(List.of("page must exceed age"), messages(range.run(FORM)));
    }

    @Test
    void longBadValuesAreQuotedShort() {
        FormData form = FormData.of(List.of(body("n", "9".repeat(30) + "x".repeat(100))));
        String message = messages(Lookup.lookRead("n", Long::parseLong).run(form)).getFirst();
        assertTrue(message.startsWith("n: could not read \"" + "9".repeat(30) + "x".repeat(34) + "...\""), message);
    }

    @Test
    void orElseThrowListsEveryErrorAs400() {
        Result<String> result = Lookup.combine(Lookup.look("a"), Lookup.look("b"), (a, b) -> a + b).run(FORM);
        MalformedFormException error = assertThrows(MalformedFormException.class, result::orElseThrow);
        assertEquals(400, error.status());
        assertEquals("a: missing\nb: missing", error.getMessage());
    }

    @Test
    void mapTransformsValuesAndKeepsErrors() {
        assertEquals(3, value(Lookup.look("name").from(Source.BODY).map(String::length).run(FORM)));
        assertEquals(List.of("zz: missing"), messages(Lookup.look("zz").map(String::length).run(FORM)));
    }

    @Test
    void failedResultNeedsAnError() {
        assertThrows(IllegalArgumentException.class, () -> new Result.Failed<String>(List.of()));
    }

    @Test
    void lookInputReturnsTextOrFileValues() {
        assertEquals("ada.png", value(Lookup.lookInput("avatar").run(FORM)).fileName());
        assertEquals(1, value(Lookup.lookInput("page").run(FORM)).size(), "\"2\" is one byte");
        assertEquals(List.of("nope: missing"), messages(Lookup.lookInput("nope").run(FORM)));
    }

    @Test
    void succeedAlwaysSucceedsAndCombines() {
        Lookup<String> withConstant = Lookup.combine(Lookup.succeed("fixed"), Lookup.look("page"), (a, b) -> a + b);
        assertEquals("fixed2", value(withConstant.run(FORM)));
    }

    @Test
    void failuresBecomeAJsonErrorResponseInOrder() {
        Result<String> result = Lookup.combine(Lookup.look("a"), Lookup.lookRead("bad", Integer::parseInt),
                (a, bad) -> a + bad).run(FORM);
        dev.weft.api.Response response = ((Result.Failed<String>) result).toJsonResponse();
        assertEquals(400, response.status());
        assertEquals("application/json", response.headers().get("content-type"));
        String body = java.nio.charset.StandardCharsets.UTF_8.decode(
                ((dev.weft.api.Content.Bytes) response.content()).buffer().duplicate()).toString();
        assertEquals("{\"errors\":[{\"field\":\"a\",\"problem\":\"MISSING\",\"message\":\"missing\"},"
                + "{\"field\":\"bad\",\"problem\":\"INVALID\",\"message\":\"could not read \\\"x1\\\": "
                + "For input string: \\\"x1\\\"\"}]}\n", body);
    }
}
