package dev.weft.body;

import dev.weft.api.Body;
import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Parses a request's form data: the query string, a {@code multipart/form-data} or
 * {@code application/x-www-form-urlencoded} body, and the cookies, under the request's
 * {@link BodyPolicy}.
 *
 * <p>Guarantees, whatever the body does:
 * <ul>
 *   <li>nothing is held beyond the policy's quotas; going over throws {@link BodyQuotaException}
 *       (413, or 431 for a part header) naming the quota and its value;
 *   <li>every temp file is registered in {@link Request#resources()} as soon as it exists, so it
 *       is deleted when the exchange ends (response sent, stream reset, disconnect);
 *   <li>if the parse fails (quota, malformed body, or the body's own {@link IOException} on a
 *       reset or disconnect) every temp file it created is deleted before the exception
 *       leaves;
 *   <li>the body is taken from the request and closed when the parse ends.
 * </ul>
 *
 * <p>Threading: immutable and shareable; {@link #parse(Request)} runs on the caller's (handler's
 * virtual) thread and blocks while the body streams in.
 */
public final class FormParser {
    /** A urlencoded body left unread past the form's end; beyond this it is not drained. */
    private static final int DRAIN_LIMIT = 64 * 1024;

    private final TempDirectory tempDirectory;
    private final boolean digestFiles;

    private FormParser(TempDirectory tempDirectory, boolean digestFiles) {
        this.tempDirectory = Objects.requireNonNull(tempDirectory, "tempDirectory is null");
        this.digestFiles = digestFiles;
    }

    /**
     * @param tempDirectory where file parts go when the policy names no directory of its own
     * @return a parser that does not compute file digests
     */
    public static FormParser create(TempDirectory tempDirectory) {
        return new FormParser(tempDirectory, false);
    }

    /**
     * @param enabled whether to compute each disk part's SHA-256 while it streams to disk
     *     ({@link Input.OnDisk#sha256()}); costs CPU, saves re-reading the file
     * @return a parser with that setting
     */
    public FormParser withFileDigests(boolean enabled) {
        return new FormParser(tempDirectory, enabled);
    }

    /**
     * Parses the query string, the body (if it has a form content type) and the cookies.
     * A request without a {@code content-type} keeps its body untaken.
     *
     * @param request the request; its body is taken
     * @return the form data, query values first, then body values, then cookies
     * @throws FormException over a quota, malformed, or a body of another content type (415)
     * @throws IOException if the body failed (reset, disconnect, interrupt)
     */
    public FormData parse(Request request) throws IOException {
        QuotaCounter quota = new QuotaCounter(request.bodyPolicy());
        request.resources().register(quota::release);
        List<FormField> fields = new ArrayList<>(UrlEncoding.parse(
                request.query().getBytes(StandardCharsets.UTF_8), Source.QUERY, quota, true));
        List<TempFile> files = List.of();
        String contentType = request.headers().get("content-type");
        if (contentType != null) {
            ParsedBody body = parseBody(request.takeBody(), contentType, quota, request.resources());
            fields.addAll(body.fields());
            files = body.files();
        }
        fields.addAll(UrlEncoding.parseCookies(request.headers().getAll("cookie")));
        return new FormData(fields, files);
    }

    /**
     * Parses a body alone, e.g. one that did not come with a {@link Request}.
     *
     * @param body the body; closed when the parse ends
     * @param contentType its content type
     * @param policy the quotas
     * @param resources where temp files are registered for deletion
     * @return the body's fields (source {@link Source#BODY}), owning its temp files
     * @throws FormException over a quota, malformed, or not a form content type (415)
     * @throws IOException if the body failed
     */
    public FormData parseBody(Body body, String contentType, BodyPolicy policy, ExchangeResources resources)
            throws IOException {
        QuotaCounter quota = new QuotaCounter(policy);
        resources.register(quota::release);
        ParsedBody parsed = parseBody(body, contentType, quota, resources);
        return new FormData(parsed.fields(), parsed.files());
    }

    private record ParsedBody(List<FormField> fields, List<TempFile> files) {
    }

    private ParsedBody parseBody(Body body, String contentType, QuotaCounter quota, ExchangeResources resources)
            throws IOException {
        try (body; InputStream in = body.asInputStream()) {
            String mediaType = mediaType(contentType);
            switch (mediaType) {
                case "multipart/form-data" -> {
                    rejectDeclaredLength(body, Quota.MAX_BODY, MultipartReader.maxBodyBytes(quota.policy()));
                    MultipartReader reader = new MultipartReader(quota, this::newTempFile, resources, digestFiles);
                    List<FormField> fields = reader.read(in, contentType);
                    drainQuietly(in);
                    return new ParsedBody(fields, List.copyOf(reader.createdFiles()));
                }
                case "application/x-www-form-urlencoded" -> {
                    rejectDeclaredLength(body, Quota.MAX_RAM, quota.policy().maxRam());
                    byte[] encoded = readBounded(in, quota);
                    return new ParsedBody(UrlEncoding.parse(encoded, Source.BODY, quota, false), List.of());
                }
                default -> throw new MalformedFormException(415, "unsupported content type for a form: " + mediaType
                        + " (expected multipart/form-data or application/x-www-form-urlencoded)");
            }
        }
    }

    /**
     * Answers at once, before reading a byte, when the declared {@code content-length} is
     * already over the quota: the client learns sooner and no temp file is ever made.
     */
    private static void rejectDeclaredLength(Body body, Quota quota, long limit) throws BodyQuotaException {
        OptionalLong declared = body.contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw new BodyQuotaException(quota, limit, "declared content-length " + declared.getAsLong());
        }
    }

    private TempFile newTempFile(BodyPolicy policy) throws IOException {
        return policy.tempDirectory() == null ? tempDirectory.newFile() : TempDirectory.newFileIn(policy.tempDirectory());
    }

    /** Reads a urlencoded body into memory, reserving {@code maxRam} before each chunk is kept. */
    private static byte[] readBounded(InputStream in, QuotaCounter quota) throws IOException {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = in.readNBytes(chunk, 0, chunk.length)) > 0) {
            quota.addRam(read, "urlencoded body");
            encoded.write(chunk, 0, read);
        }
        return encoded.toByteArray();
    }

    /**
     * Reads a short epilogue after the closing boundary so that a well-behaved client's stream
     * ends normally instead of being cancelled by close; a long one is simply cut off by close.
     */
    private static void drainQuietly(InputStream in) {
        try {
            byte[] scratch = new byte[4096];
            int drained = 0;
            int read;
            while (drained < DRAIN_LIMIT && (read = in.read(scratch)) > 0) {
                drained += read;
            }
        } catch (java.io.InterruptedIOException interrupted) {
            // the form is complete, but keep the interrupt (a reset) visible to the handler
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // the form is complete; a failure after its end does not concern the handler
        }
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }
}
