package dev.weft.body;

import dev.weft.api.BodyPolicy;
import dev.weft.api.ExchangeResources;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemHeaders;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.RequestContext;

/**
 * Reads one {@code multipart/form-data} body: {@link MultipartScanner} finds the parts in large
 * reads, commons-fileupload2 parses each part's header section (names, file names, types: the
 * same values and errors as when it parsed whole bodies), and each part is kept in memory or on
 * disk as the policy's strategy says, every quota enforced as the bytes arrive.
 *
 * <p>Why each quota is enforced where it is:
 * <ul>
 *   <li>{@code maxParts}: counted per header section, <em>including</em> parts skipped for lack
 *       of a name and the parts of a nested {@code multipart/mixed}.
 *   <li>{@code maxHeader}: by the scanner, which stops reading a header section at that many bytes.
 *   <li>{@code maxRam}/{@code maxDisk}: reserved chunk by chunk before the chunk is kept.
 *   <li>{@link Quota#MAX_BODY}: raw bytes ({@link GuardedInputStream}), for what no other quota
 *       counts (preamble, skipped parts' data).
 * </ul>
 *
 * <p>Threading: one instance per parse, owned by the handler's thread, as are the scanner, the
 * part being written ({@link #current}) and the fields read so far.
 */
final class MultipartReader implements MultipartScanner.Sink {
    /** Per part, on top of its header quota: boundary lines and CRLFs. */
    private static final long PART_FRAMING_ALLOWANCE = 512;
    /** Preamble and epilogue allowance on top of the per-part allowances. */
    private static final long BODY_ALLOWANCE = 64 * 1024;
    /**
     * Bytes read from the body at a time: large reads keep a 1 GiB upload at a few thousand
     * writes and digest calls; one buffer per parse, so a handful of parses fit in a small heap.
     */
    private static final int CHUNK = 64 * 1024;
    private static final String MULTIPART_MIXED = "multipart/mixed";

    private final QuotaCounter quota;
    private final TempFileSource tempFiles;
    private final ExchangeResources resources;
    private final boolean digestFiles;
    private final HeaderParser headerParser = new HeaderParser();
    /** Every temp file this parse created, deleted together if the parse fails. */
    private final List<TempFile> created = new ArrayList<>();
    private final List<FormField> fields = new ArrayList<>();
    /** The field name of the nested multipart/mixed being read, or {@code null} at the top level. */
    private String mixedField;
    /** The part whose body is arriving, or {@code null} (between parts, or a skipped part). */
    private PartSink current;

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
        GuardedInputStream guarded = new GuardedInputStream(body, maxBodyBytes(quota.policy()));
        boolean complete = false;
        try {
            MultipartScanner scanner = new MultipartScanner(headerParser.getBoundary(contentType), quota.policy().maxHeader());
            byte[] chunk = new byte[CHUNK];
            int read;
            // read, not readNBytes: the scanner takes what has arrived, so a quota stops the
            // parse at the chunk that crosses it rather than up to 64 KiB later
            while (!scanner.complete() && (read = guarded.read(chunk, 0, chunk.length)) >= 0) {
                scanner.feed(ByteBuffer.wrap(chunk, 0, read), this);
            }
            scanner.finish();
            complete = true;
            return fields;
        } catch (FormException ours) {
            throw ours;
        } catch (IOException e) {
            throw realCause(guarded, e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // the header parser's unchecked complaints (bad file name, bad parameter)
            throw realCause(guarded, new MalformedFormException("malformed multipart body: " + e.getMessage(), e));
        } finally {
            if (current != null) {
                current.abandon();
                current = null;
            }
            if (!complete) {
                created.forEach(TempFile::close);
            }
        }
    }

    @Override
    public byte[] headers(byte[] section) throws IOException {
        quota.countPart("part #" + (quota.parts() + 1));
        FileItemHeaders headers = headerParser.getParsedHeaders(new String(section, StandardCharsets.UTF_8));
        String partType = headers.getHeader(AbstractFileUpload.CONTENT_TYPE);
        String name;
        String fileName;
        if (mixedField == null) {
            name = headerParser.getFieldName(headers);
            if (name == null) {
                return null; // skipped, as fileupload2 skips a top-level part without a name
            }
            if (partType != null && partType.toLowerCase(Locale.ENGLISH).startsWith(MULTIPART_MIXED)) {
                byte[] nested = headerParser.getBoundary(partType);
                if (nested == null) {
                    throw new MalformedFormException(400, "malformed multipart body: a multipart/mixed part without a boundary");
                }
                mixedField = name;
                return nested;
            }
            fileName = headerParser.getFileName(headers);
        } else {
            name = mixedField;
            fileName = headerParser.getFileName(headers);
            if (fileName == null) {
                return null; // in a multipart/mixed only files count
            }
        }
        BodyPolicy.Storage storage = Objects.requireNonNull(
                quota.policy().storage().choose(name, fileName, partType), "storage strategy returned null");
        current = switch (storage) {
            case RAM -> new MemoryPart(name, fileName, partType);
            case DISK -> new DiskPart(name, fileName, partType);
        };
        return null;
    }

    @Override
    public void body(ByteBuffer bytes) throws IOException {
        if (current != null) {
            current.write(bytes);
        }
    }

    @Override
    public void partEnd() throws IOException {
        if (current != null) {
            PartSink part = current;
            current = null;
            fields.add(new FormField(Source.BODY, part.name, part.finish()));
        }
    }

    @Override
    public void nestedEnd() {
        mixedField = null;
    }

    private static IOException realCause(GuardedInputStream guarded, IOException fallback) {
        return guarded.failure() != null ? guarded.failure() : fallback;
    }

    /** Where one kept part's body goes. */
    private abstract static class PartSink {
        final String name;
        final String fileName;
        final String partType;
        final String what;

        PartSink(String name, String fileName, String partType) {
            this.name = name;
            this.fileName = fileName;
            this.partType = partType;
            this.what = describe(name, fileName);
        }

        abstract void write(ByteBuffer bytes) throws IOException;

        abstract Input finish() throws IOException;

        /** The parse failed mid-part: release what {@link #write} holds open. */
        void abandon() {
        }
    }

    private final class MemoryPart extends PartSink {
        private final ByteArrayOutputStream value = new ByteArrayOutputStream();

        MemoryPart(String name, String fileName, String partType) {
            super(name, fileName, partType);
        }

        @Override
        void write(ByteBuffer bytes) throws IOException {
            quota.addRam(bytes.remaining(), what);
            // the reader feeds heap buffers; the copy is for anything else
            byte[] array = bytes.hasArray() ? bytes.array() : new byte[bytes.remaining()];
            if (bytes.hasArray()) {
                value.write(array, bytes.arrayOffset() + bytes.position(), bytes.remaining());
            } else {
                bytes.duplicate().get(array);
                value.write(array, 0, array.length);
            }
        }

        @Override
        Input finish() {
            return new Input.InMemory(value.toByteArray(), fileName, partType);
        }
    }

    private final class DiskPart extends PartSink {
        private final TempFile file;
        private final FileChannel channel;
        private final MessageDigest digest = digestFiles ? sha256() : null;
        private long size;

        DiskPart(String name, String fileName, String partType) throws IOException {
            super(name, fileName, partType);
            file = tempFiles.newFile(quota.policy());
            created.add(file);
            resources.register(file);
            channel = FileChannel.open(file.path(), StandardOpenOption.WRITE);
        }

        @Override
        void write(ByteBuffer bytes) throws IOException {
            int length = bytes.remaining();
            quota.addDisk(length, what);
            if (digest != null) {
                digest.update(bytes.duplicate());
            }
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            size += length;
        }

        @Override
        Input finish() throws IOException {
            channel.close();
            Optional<String> hex = digest == null ? Optional.empty() : Optional.of(HexFormat.of().formatHex(digest.digest()));
            return new Input.OnDisk(file.path(), size, fileName, partType, hex);
        }

        @Override
        void abandon() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the file is deleted with the others; a failed close changes nothing for the client
            }
        }
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

    /**
     * commons-fileupload2 as a header parser: its {@code getParsedHeaders}, {@code getFieldName},
     * {@code getFileName} and {@code getBoundary} are public; the body parsing it would also do
     * is never called.
     */
    private static final class HeaderParser
            extends AbstractFileUpload<RequestContext, DiskFileItem, DiskFileItemFactory> {
        @Override
        public FileItemInputIterator getItemIterator(RequestContext request) {
            throw new UnsupportedOperationException("Weft scans bodies itself (MultipartScanner)");
        }

        @Override
        public java.util.Map<String, List<DiskFileItem>> parseParameterMap(RequestContext request) {
            throw new UnsupportedOperationException("Weft streams items; it never builds a parameter map");
        }

        @Override
        public List<DiskFileItem> parseRequest(RequestContext request) {
            throw new UnsupportedOperationException("Weft streams items; it never builds an item list");
        }
    }
}
