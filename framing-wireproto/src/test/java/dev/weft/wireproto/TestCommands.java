package dev.weft.wireproto;

import dev.weft.api.Body;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.api.Router;
import dev.weft.api.StreamContent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** The commands the end-to-end tests call, served by a plain router as the server would. */
final class TestCommands {
    private TestCommands() {
    }

    /** The content of {@code big}: byte i is {@code i * 31 mod 251}, so misordering shows. */
    static byte pattern(long index) {
        return (byte) (index * 31 % 251);
    }

    static Router router() {
        return new Router()
                .post("/echo", new WireprotoEcho())
                .post("/fail", request -> Response.text(503, "it failed on purpose"))
                .post("/boom", request -> {
                    throw new IllegalStateException("handler bug with a secret stack trace");
                })
                .post("/args", TestCommands::describeArguments)
                .post("/hexargs", ByteValues::hexArguments)
                .post("/count", TestCommands::countBody)
                .post("/big", TestCommands::bigAnswer)
                .post("/empty", request -> Response.of(200));
    }

    private static Response describeArguments(Request request) {
        StringBuilder text = new StringBuilder();
        request.headers().forEach((name, value) -> text.append(name).append('=').append(value.length()).append(';'));
        return Response.ok(text.toString());
    }

    /** Reads the whole body without holding it and answers its length and a checksum. */
    private static Response countBody(Request request) throws IOException {
        long count = 0;
        long sum = 0;
        try (InputStream in = request.takeBody().asInputStream()) {
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) > 0) {
                for (int i = 0; i < read; i++) {
                    sum = sum * 31 + buffer[i];
                }
                count += read;
            }
        }
        return Response.ok(count + ":" + sum);
    }

    /** Streams {@code size} pattern bytes in chunks of 10,000. */
    private static Response bigAnswer(Request request) {
        long size = Long.parseLong(request.headers().get("size"));
        AtomicLong sent = new AtomicLong();
        return Response.streamed(200, Headers.empty(), new Body() {
            @Override
            public StreamContent next() {
                long from = sent.get();
                if (from >= size) {
                    return StreamContent.END;
                }
                int length = (int) Math.min(10_000, size - from);
                byte[] chunk = new byte[length];
                for (int i = 0; i < length; i++) {
                    chunk[i] = pattern(from + i);
                }
                sent.addAndGet(length);
                return new StreamContent.Data(ByteBuffer.wrap(chunk));
            }
        });
    }

    static long checksum(byte[] bytes) {
        long sum = 0;
        for (byte b : bytes) {
            sum = sum * 31 + b;
        }
        return sum;
    }
}
