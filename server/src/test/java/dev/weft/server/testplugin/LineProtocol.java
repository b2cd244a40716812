package dev.weft.server.testplugin;

import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.PrefaceMatch;
import dev.weft.spi.Protocol;
import dev.weft.spi.ProtocolContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A protocol nobody in the main tree wrote, found only because this test jar's
 * {@code META-INF/services} lists its plugin: each line {@code PATH} becomes {@code GET PATH},
 * answered as {@code STATUS BODY} on one line.
 */
public final class LineProtocol implements Protocol {
    @Override
    public String name() {
        return "line";
    }

    @Override
    public PrefaceMatch detect(ByteBuffer prefix) {
        return prefix.hasRemaining() && prefix.get(prefix.position()) == '/' ? PrefaceMatch.YES : PrefaceMatch.NO;
    }

    @Override
    public ConnectionHandler open(Connection connection, ProtocolContext context) {
        return new ConnectionHandler() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public void onRead(ByteBuffer data) {
                while (data.hasRemaining()) {
                    byte b = data.get();
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    String path = line.toString(StandardCharsets.US_ASCII).strip();
                    line.reset();
                    context.handlerExecutor().execute(() -> answer(path));
                }
            }

            private void answer(String path) {
                String text;
                try {
                    Request request = Request.builder().method("GET").target(path).protocol("line")
                            .remoteAddress(connection.remoteAddress()).build();
                    Response response = context.handler().handle(request);
                    StringBuilder body = new StringBuilder();
                    if (response.content() instanceof dev.weft.api.Content.Bytes bytes) {
                        body.append(StandardCharsets.UTF_8.decode(bytes.buffer().duplicate()));
                    }
                    text = response.status() + " " + body.toString().strip() + "\n";
                } catch (Exception e) {
                    text = "500 " + e + "\n";
                }
                ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                connection.eventLoop().execute(() -> {
                    connection.write(out);
                    connection.flush();
                });
            }

            @Override
            public void onInputClosed() {
                connection.close();
            }

            @Override
            public void onClosed(Throwable cause) {
            }
        };
    }
}
