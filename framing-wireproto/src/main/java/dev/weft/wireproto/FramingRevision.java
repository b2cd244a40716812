package dev.weft.wireproto;

import java.util.Optional;

/**
 * The revisions of the unified frame protocol Weft speaks, with their wire facts. A connection
 * speaks one revision from its first byte to its last; over HTTP the media type names it, on TCP
 * and stdio the server's configuration does (the first bytes of the two cannot always be told
 * apart).
 *
 * <ul>
 *   <li>{@link #EXP_0001}: 4-byte header (24-bit LE length, type and flags). No request ids, so
 *       a connection's answers come back in the order of its commands, one command at a time.</li>
 *   <li>{@link #EXP_0002}: Mercurial's next revision, which gave every frame a request id: a
 *       6-byte header (24-bit LE length, 16-bit LE request id, type and flags). The client picks
 *       each command's id; every frame of the command and of its answer carries it, so answers
 *       of several commands run side by side and their frames interleave.</li>
 * </ul>
 */
public enum FramingRevision {
    /** {@code exp-framing-0001}: no request ids. */
    EXP_0001("0001", 4, false),
    /** {@code exp-framing-0002}: a 16-bit request id in every frame header. */
    EXP_0002("0002", 6, true);

    /** The largest request id (16 bits). */
    public static final int MAX_REQUEST_ID = 0xFFFF;

    private final String number;
    private final int headerLength;
    private final boolean requestIds;

    FramingRevision(String number, int headerLength, boolean requestIds) {
        this.number = number;
        this.headerLength = headerLength;
        this.requestIds = requestIds;
    }

    /** @return the revision's number as written in its name, e.g. {@code 0002} */
    public String number() {
        return number;
    }

    /** @return bytes in a frame header */
    public int headerLength() {
        return headerLength;
    }

    /** @return whether frames carry a request id (commands may then run side by side) */
    public boolean hasRequestIds() {
        return requestIds;
    }

    /** @return the HTTP media type of a frame stream in this revision */
    public String mediaType() {
        return "application/mercurial-exp-framing-" + number;
    }

    /** @return the revision with this number ({@code 0001}, {@code 2}, ...), if any */
    public static Optional<FramingRevision> fromNumber(String text) {
        for (FramingRevision revision : values()) {
            // "0002" or "2": leading zeros are optional.
            if (text.matches("[0-9]{1,4}") && Integer.parseInt(text) == Integer.parseInt(revision.number)) {
                return Optional.of(revision);
            }
        }
        return Optional.empty();
    }

    /** @return the revision whose media type this is (case-insensitive, no parameters), if any */
    public static Optional<FramingRevision> fromMediaType(String type) {
        for (FramingRevision revision : values()) {
            if (revision.mediaType().equalsIgnoreCase(type)) {
                return Optional.of(revision);
            }
        }
        return Optional.empty();
    }
}
