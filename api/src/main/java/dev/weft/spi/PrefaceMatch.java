package dev.weft.spi;

/** A protocol's verdict on a connection's first bytes, for {@code --protocol auto}. */
public enum PrefaceMatch {
    /** These bytes start this protocol. */
    YES,
    /** These bytes cannot start this protocol. */
    NO,
    /** Not enough bytes yet to tell. */
    NEED_MORE
}
