package dev.weft.body;

import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemHeaders;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadContentTypeException;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.core.FileUploadSizeException;
import org.apache.commons.fileupload2.core.RequestContext;

/**
 * Streams one {@code multipart/form-data} body through commons-fileupload2's item iterator,
 * keeping each part in memory or on disk as the policy's strategy says and enforcing every
 * quota as the bytes arrive.
 *
 * <p>Why each quota is enforced where it is:
 * <ul>
 *   <li>{@code maxParts}: counted in {@link WeftFileUpload#getParsedHeaders}, which the library
 *       calls once per part header section, <em>including</em> parts it skips for lack of a
 *       name; its own {@code setMaxFileCount} is ignored by the streaming iterator (2.0.0-M5).
 *   <li>{@code maxHeader}: the library's {@code setMaxPartHeaderSize}, which stops reading a
 *       header section at that many bytes.
 *   <li>{@code maxRam}/{@code maxDisk}: reserved chunk by chunk before the chunk is kept.
 *   <li>{@link Quota#MAX_BODY}: raw bytes, for what no other quota counts (preamble, skipped
 *       parts' data).
 * </ul>
 *
 * <p>Threading: one instance per parse, owned by the handler's thread.
 */
final class MultipartReader {
    /** Per part, on top of its header quota: boundary lines and CRLFs. */
    private static final long PART_FRAMING_ALLOWANCE = 512;
    /** Preamble and epilogue allowance on top of the per-part allowances. */
    private static final long BODY_ALLOWANCE = 64 * 1024;
    /** Chunk size for reading a file part: large writes keep a 1 GiB upload at a few thousand syscalls. */
    private static final int CHUNK = 64 * 1024;
    /** Chunk size for reading a field into memory: fields are small, and the chunk is held beside the value. */
    private static final int FIELD_CHUNK = 8 * 1024;

    private final QuotaCounter quota;
    private final TempFileSource tempFiles;
    private final ExchangeResources resources;
    private final boolean digestFiles;
    /** Every temp file this parse created, deleted together if the parse fails. */
    private final List<TempFile> created = new ArrayList<>();

    /** Creates temp files where the policy says. */
    @FunctionalInterface
    interface TempFileSource {
        TempFile newFile(BodyPolicy policy) throws IOException;
    }

    MultipartReader(QuotaCounter quota, TempFileSource tempFiles, ExchangeResources resources, boolean digestFiles) {
        this.quota = quota;
        this.tempFiles = tempFiles;
        this.resources = resources;
        this.digestFiles = digestFiles;
    }

    List<TempFile> createdFiles() {
        return created;
    }

    /** The raw-bytes cap for a policy: its value quotas plus framing allowances, saturating. */
    static long maxBodyBytes(BodyPolicy policy) {
        long perPart = policy.maxHeader() + PART_FRAMING_ALLOWANCE;
        long framing = Math.multiplyHigh(perPart, policy.maxParts()) != 0 ? Long.MAX_VALUE : perPart * policy.maxParts();
        return saturatingAdd(saturatingAdd(saturatingAdd(policy.maxRam(), policy.maxDisk()), framing), BODY_ALLOWANCE);
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * Reads every part. On any failure the temp files created so far are deleted before the
     * exception leaves.
     *
     * @throws FormException over a quota (413/431) or malformed (400/415)
     * @throws IOException the body's own failure (reset, disconnect, interrupt)
     */
    List<FormField> read(InputStream body, String contentType) throws IOException {
        WeftFileUpload upload = new WeftFileUpload(quota);
        GuardedInputStream guarded = new GuardedInputStream(body, maxBodyBytes(quota.policy()),
                upload.getBoundary(contentType));
        boolean complete = false;
        try {
            List<FormField> fields = readParts(upload, guarded, contentType);
            if (!guarded.sawDelimiter()) {
                throw new MalformedFormException(400, "malformed multipart body: no boundary delimiter found");
            }
            complete = true;
            return fields;
        } catch (UncheckedIOException wrapped) {
            throw realCause(guarded, wrapped.getCause());
        } catch (FileUploadSizeException headerTooLarge) {
            // the only size limit we hand the library is maxPartHeaderSize
            throw guarded.failure() != null ? guarded.failure()
                    : new BodyQuotaException(Quota.MAX_HEADER, quota.policy().maxHeader(), "a part's header section");
        } catch (FileUploadContentTypeException e) {
            throw guarded.failure() != null ? guarded.failure()
                    : new MalformedFormException(415, "not a multipart body: " + e.getMessage());
        } catch (FileUploadException e) {
            throw realCause(guarded, new MalformedFormException("malformed multipart body: " + e.getMessage(), e));
        } catch (FormException ours) {
            throw ours;
        } catch (IOException e) {
            throw realCause(guarded, e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // the library's unchecked complaints (bad file name, bad header charset)
            throw realCause(guarded, new MalformedFormException("malformed multipart body: " + e.getMessage(), e));
        } finally {
            if (!complete) {
                created.forEach(TempFile::close);
            }
        }
    }

    private static IOException realCause(GuardedInputStream guarded, IOException fallback) {
        return guarded.failure() != null ? guarded.failure() : fallback;
    }

    private List<FormField> readParts(WeftFileUpload upload, InputStream body, String contentType) throws IOException {
        upload.setMaxPartHeaderSize(quota.policy().maxHeader());
        upload.setHeaderCharset(StandardCharsets.UTF_8);
        FileItemInputIterator items = upload.getItemIterator(new BodyRequestContext(contentType, body));
        List<FormField> fields = new ArrayList<>();
        while (items.hasNext()) {
            FileItemInput item = items.next();
            // the library skips parts without a name at the top level; a nested part could lack one
            String name = Objects.requireNonNullElse(item.getFieldName(), "");
            String fileName = item.getName();
            String partType = item.getContentType();
            BodyPolicy.Storage storage = Objects.requireNonNull(
                    quota.policy().storage().choose(name, fileName, partType), "storage strategy returned null");
            // not closed on failure: closing an item stream drains the part, and a part over a
            // quota may never end; each reader below reads its part to the end
            InputStream content = item.getInputStream();
            Input input = switch (storage) {
                case RAM -> readToMemory(content, name, fileName, partType);
                case DISK -> readToDisk(content, name, fileName, partType);
            };
            fields.add(new FormField(Source.BODY, name, input));
        }
        return fields;
    }

    private Input readToMemory(InputStream content, String name, String fileName, String partType) throws IOException {
        String what = describe(name, fileName);
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        byte[] chunk = new byte[FIELD_CHUNK];
        int read;
        while ((read = content.readNBytes(chunk, 0, chunk.length)) > 0) {
            quota.addRam(read, what);
            value.write(chunk, 0, read);
        }
        return new Input.InMemory(value.toByteArray(), fileName, partType);
    }

    private Input readToDisk(InputStream content, String name, String fileName, String partType) throws IOException {
        String what = describe(name, fileName);
        TempFile file = tempFiles.newFile(quota.policy());
        created.add(file);
        resources.register(file);
        MessageDigest digest = digestFiles ? sha256() : null;
        long size = 0;
        byte[] chunk = new byte[CHUNK];
        try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.WRITE)) {
            int read;
            while ((read = content.readNBytes(chunk, 0, chunk.length)) > 0) {
                quota.addDisk(read, what);
                if (digest != null) {
                    digest.update(chunk, 0, read);
                }
                ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, read);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                size += read;
            }
        }
        Optional<String> hex = digest == null ? Optional.empty() : Optional.of(HexFormat.of().formatHex(digest.digest()));
        return new Input.OnDisk(file.path(), size, fileName, partType, hex);
    }

    private static String describe(String name, String fileName) {
        return fileName != null ? "file part \"" + name + "\" (" + fileName + ")" : "part \"" + name + "\"";
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /** The request as commons-fileupload sees it: content type and body stream, no servlet. */
    private record BodyRequestContext(String contentType, InputStream body) implements RequestContext {
        @Override
        public String getCharacterEncoding() {
            return null;
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public InputStream getInputStream() {
            return body;
        }

        @Override
        public boolean isMultipartRelated() {
            return false;
        }
    }

    /**
     * commons-fileupload's parser without servlets. Overrides {@link #getParsedHeaders} to count
     * parts as their headers are read: the one hook the streaming iterator calls for every part.
     */
    private static final class WeftFileUpload
            extends AbstractFileUpload<BodyRequestContext, DiskFileItem, DiskFileItemFactory> {
        private final QuotaCounter quota;

        WeftFileUpload(QuotaCounter quota) {
            this.quota = quota;
        }

        @Override
        public FileItemHeaders getParsedHeaders(String headerPart) {
            try {
                quota.countPart("part #" + (quota.parts() + 1));
            } catch (BodyQuotaException tooMany) {
                // the library's hook cannot throw checked exceptions; read() unwraps this
                throw new UncheckedIOException(tooMany);
            }
            return super.getParsedHeaders(headerPart);
        }

        @Override
        public FileItemInputIterator getItemIterator(BodyRequestContext request) throws IOException {
            return super.getItemIterator((RequestContext) request);
        }

        @Override
        public java.util.Map<String, List<DiskFileItem>> parseParameterMap(BodyRequestContext request) {
            throw new UnsupportedOperationException("Weft streams items; it never builds a parameter map");
        }

        @Override
        public List<DiskFileItem> parseRequest(BodyRequestContext request) {
            throw new UnsupportedOperationException("Weft streams items; it never builds an item list");
        }
    }
}
