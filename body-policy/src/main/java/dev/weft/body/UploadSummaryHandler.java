package dev.weft.body;

import dev.weft.api.Handler;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The demo route {@code POST /upload}: parses a multipart or urlencoded form under the
 * request's body policy and answers a JSON summary:
 *
 * <pre>{@code
 * {"fields":[{"name":"title","value":"hello"}],
 *  "files":[{"field":"doc","name":"a.bin","size":5,"contentType":"application/octet-stream",
 *            "sha256":"<lower-case hex>"}]}
 * }</pre>
 *
 * <p>Files are the parts with a file name, or that the policy kept on disk; fields are the
 * others. SHA-256 is computed while a file streams to disk, never by reading it again. Over a
 * quota answers 413 (431 for a part header) with a plain-text message naming the quota; a
 * malformed form 400, another content type 415. Temp files are deleted before the answer goes.
 *
 * <p>Threading: immutable; serves many requests at once, each on its own virtual thread.
 */
public final class UploadSummaryHandler implements Handler {
    private final FormParser parser;

    /** @param tempDirectory the server's private temp directory (see {@link TempDirectory#open}) */
    public UploadSummaryHandler(TempDirectory tempDirectory) {
        this.parser = FormParser.create(Objects.requireNonNull(tempDirectory, "tempDirectory is null"))
                .withFileDigests(true);
    }

    @Override
    public Response handle(Request request) throws IOException {
        if (!request.method().equals("POST")) {
            return Response.text(405, "POST a multipart/form-data or application/x-www-form-urlencoded form\n")
                    .withHeader("allow", "POST");
        }
        if (!request.headers().contains("content-type")) {
            return Response.text(415, "missing content-type (expected multipart/form-data or "
                    + "application/x-www-form-urlencoded)\n");
        }
        try (FormData form = parser.parse(request)) {
            return new Response(200, Headers.of("content-type", "application/json"),
                    dev.weft.api.Content.text(summary(form)));
        } catch (FormException rejected) {
            return rejected.toResponse();
        }
    }

    /** @return the JSON summary of the body's fields and files */
    static String summary(FormData form) throws IOException {
        StringBuilder fields = new StringBuilder("[");
        StringBuilder files = new StringBuilder("[");
        for (FormField field : form.from(Source.BODY)) {
            Input input = field.input();
            if (input instanceof Input.InMemory memory && !memory.isFile()) {
                if (fields.length() > 1) {
                    fields.append(',');
                }
                Json.string(fields.append("{\"name\":"), field.name());
                Json.string(fields.append(",\"value\":"), new String(memory.bytes(), StandardCharsets.UTF_8));
                fields.append('}');
            } else {
                if (files.length() > 1) {
                    files.append(',');
                }
                Json.string(files.append("{\"field\":"), field.name());
                Json.string(files.append(",\"name\":"), input.fileName());
                files.append(",\"size\":").append(input.size());
                Json.string(files.append(",\"contentType\":"), input.contentType());
                Json.string(files.append(",\"sha256\":"), sha256(input));
                files.append('}');
            }
        }
        return "{\"fields\":" + fields.append(']') + ",\"files\":" + files.append(']') + "}\n";
    }

    private static String sha256(Input input) throws IOException {
        return switch (input) {
            case Input.OnDisk disk when disk.sha256().isPresent() -> disk.sha256().get();
            case Input.OnDisk disk -> hash(disk);
            case Input.InMemory memory -> HexFormat.of().formatHex(MultipartReader.sha256().digest(memory.bytes()));
        };
    }

    private static String hash(Input input) throws IOException {
        // only for a parser without digests; this handler's own parser always has them
        MessageDigest digest = MultipartReader.sha256();
        try (InputStream in = input.openStream()) {
            byte[] chunk = new byte[64 * 1024];
            int read;
            while ((read = in.read(chunk)) > 0) {
                digest.update(chunk, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
