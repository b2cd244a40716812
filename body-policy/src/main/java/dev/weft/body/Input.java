package dev.weft.body;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * One value of a form (seed 001's {@code Input}): bytes in memory or a file on disk, with the
 * part's file name and content type. Which one a part becomes is the body policy's
 * {@link dev.weft.api.BodyPolicy.StorageStrategy} decision.
 *
 * <p>Threading: immutable values. An {@link OnDisk} file lives until the exchange ends.
 */
public sealed interface Input permits Input.InMemory, Input.OnDisk {

    /** @return the client's file name, or {@code null} for a plain field */
    String fileName();

    /** @return the part's content type, or {@code null} when it sent none */
    String contentType();

    /** @return the value's length in bytes */
    long size();

    /** @return whether the client sent this as a file (it has a file name) */
    default boolean isFile() {
        return fileName() != null;
    }

    /**
     * @return a stream over the value
     * @throws IOException if a file value cannot be opened (e.g. the exchange ended)
     */
    InputStream openStream() throws IOException;

    /**
     * A value held in memory, counted against {@code maxRam}.
     *
     * @param bytes the value (owned by this record; do not modify)
     * @param fileName the client's file name or {@code null}
     * @param contentType the part's content type or {@code null}
     */
    record InMemory(byte[] bytes, String fileName, String contentType) implements Input {
        /** @throws NullPointerException if bytes is null */
        public InMemory {
            Objects.requireNonNull(bytes, "bytes is null");
        }

        /** @return a plain field's value */
        public static InMemory text(String value) {
            return new InMemory(value.getBytes(StandardCharsets.UTF_8), null, null);
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public InputStream openStream() {
            return new ByteArrayInputStream(bytes);
        }

        /**
         * @return the value as UTF-8 text
         * @throws CharacterCodingException if it is not valid UTF-8
         */
        public String text() throws CharacterCodingException {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        }

        @Override
        public String toString() {
            return "InMemory[" + bytes.length + " bytes, fileName=" + fileName + ", contentType=" + contentType + "]";
        }
    }

    /**
     * A value saved to a temp file, counted against {@code maxDisk}. The file is deleted when
     * the exchange ends; {@link #moveTo(Path)} it to keep it.
     *
     * @param path the temp file
     * @param size its length in bytes
     * @param fileName the client's file name or {@code null}
     * @param contentType the part's content type or {@code null}
     * @param sha256 lower-case hex SHA-256 of the content, computed while it streamed to disk,
     *     if the parser was asked for digests
     */
    record OnDisk(Path path, long size, String fileName, String contentType, Optional<String> sha256)
            implements Input {
        /** @throws NullPointerException if path or sha256 is null */
        public OnDisk {
            Objects.requireNonNull(path, "path is null");
            Objects.requireNonNull(sha256, "sha256 is null");
        }

        @Override
        public InputStream openStream() throws IOException {
            return Files.newInputStream(path);
        }

        /**
         * Moves the file out of the temp directory so that it outlives the exchange.
         *
         * @param target where to put it (same file system for an atomic move)
         * @return the target
         * @throws IOException if the move fails
         */
        public Path moveTo(Path target) throws IOException {
            return Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
