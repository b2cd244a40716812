package dev.weft.body;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds multipart/form-data bodies for tests, readable at the call site. */
final class Multipart {
    static final String BOUNDARY = "weft-test-boundary-7MA4YWxkTrZu0gW";
    static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Multipart field(String name, String value) {
        return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n", value.getBytes(StandardCharsets.UTF_8));
    }

    Multipart file(String name, String fileName, String contentType, byte[] content) {
        return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: " + contentType + "\r\n", content);
    }

    Multipart part(String headers, byte[] content) {
        write("--" + BOUNDARY + "\r\n" + headers + "\r\n");
        bytes.writeBytes(content);
        write("\r\n");
        return this;
    }

    byte[] build() {
        write("--" + BOUNDARY + "--\r\n");
        return bytes.toByteArray();
    }

    private void write(String text) {
        bytes.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
