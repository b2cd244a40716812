package dev.weft.wireproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.api.Body;
import dev.weft.api.Content;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.spi.ProtocolContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WireprotoOverHttpHandler} called as the HTTP/2 server calls a handler for {@code POST /wireproto}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireprotoOverHttpHandlerTest {
    private final WireprotoOverHttpHandler handler = new WireprotoOverHttpHandler(ProtocolContext.of(TestCommands.router()));

    private Response post(String contentType, byte[] frames) {
        Request request = Request.builder().method("POST").path("/wireproto").protocol("h2")
                .headers(Headers.of("content-type", contentType)).body(Body.of(frames)).build();
        return handler.handle(request);
    }

    /** Reads the answer body through a client over the bytes, as an HTTP client would. */
    private static List<WireprotoReply> replies(Response response, List<WireprotoCommand> commands) throws IOException {
        Body body = assertInstanceOf(Content.Streamed.class, response.content()).source();
        byte[] answer;
        try (InputStream in = body.asInputStream()) {
            answer = in.readAllBytes();
        }
        ByteArrayOutputStream ignored = new ByteArrayOutputStream();
        WireprotoClient reader = new WireprotoClient(new ByteArrayInputStream(answer), ignored, () -> { }, () -> { });
        List<WireprotoReply> replies = new java.util.ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            WireprotoReply reply = reader.readReply();
            replies.add(reply);
            if (reply instanceof WireprotoReply.ProtocolError) {
                break;
            }
        }
        return replies;
    }

    private static byte[] framesOf(List<WireprotoCommand> commands) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WireprotoClient writer = new WireprotoClient(new ByteArrayInputStream(new byte[0]), out, () -> { }, () -> { });
        for (WireprotoCommand command : commands) {
            writer.send(command);
        }
        return out.toByteArray();
    }

    @Test
    void commandsInTheBodyAreAnsweredInTheResponseBody() throws IOException {
        List<WireprotoCommand> commands = List.of(WireprotoCommand.of("echo").withArgument("msg", "via http"),
                WireprotoCommand.of("echo").withData("data via http"), WireprotoCommand.of("fail"));
        Response response = post(WireprotoOverHttpHandler.CONTENT_TYPE, framesOf(commands));
        assertEquals(200, response.status());
        assertEquals(WireprotoOverHttpHandler.CONTENT_TYPE, response.headers().get("content-type"));
        List<WireprotoReply> replies = replies(response, commands);
        assertEquals("via http", assertInstanceOf(WireprotoReply.Success.class, replies.get(0)).text());
        assertEquals("data via http", assertInstanceOf(WireprotoReply.Success.class, replies.get(1)).text());
        assertEquals("it failed on purpose", assertInstanceOf(WireprotoReply.ApplicationError.class, replies.get(2)).message());
    }

    @Test
    void malformedBodyIsAnsweredWithAProtocolError() throws IOException {
        Response response = post(WireprotoOverHttpHandler.CONTENT_TYPE, TestFrames.wire("command-name have-args echo"));
        List<WireprotoReply> replies = replies(response, List.of(WireprotoCommand.of("x")));
        WireprotoReply.ProtocolError error = assertInstanceOf(WireprotoReply.ProtocolError.class, replies.getFirst());
        assertTrue(error.message().contains("input ended inside command 'echo'"), error.message());
    }

    @Test
    void otherContentTypesAreRefused() {
        Response response = post("application/octet-stream", TestFrames.wire("command-name eos echo"));
        assertEquals(415, response.status());
    }
}
