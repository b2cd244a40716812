package dev.weft.http2.core;

import java.util.Objects;

/**
 * One decoded or to-be-encoded header field. Octets map to characters one to one (ISO-8859-1),
 * so validation sees exactly the bytes the peer sent.
 *
 * @param name the field name (pseudo-headers start with {@code :})
 * @param value the field value
 */
public record HeaderField(String name, String value) {
    /** Per-entry overhead of RFC 7541 §4.1, also used for SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2). */
    public static final int ENTRY_OVERHEAD = 32;

    /** @throws NullPointerException for a null name or value */
    public HeaderField {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(value, "value is null");
    }

    /** @return this field's size as counted against SETTINGS_MAX_HEADER_LIST_SIZE */
    public int listSize() {
        return name.length() + value.length() + ENTRY_OVERHEAD;
    }

    /** @return whether this is a pseudo-header field */
    public boolean isPseudo() {
        return !name.isEmpty() && name.charAt(0) == ':';
    }
}
