package dev.weft.transport.epoll;

/**
 * The layout of {@code struct epoll_event { uint32_t events; uint64_t data; }}, which differs by
 * architecture: the kernel declares it {@code __attribute__((packed))} on x86-64 only, so there it
 * is 12 bytes with {@code data} at offset 4, while aarch64 pads it to 16 bytes with {@code data}
 * at offset 8.
 *
 * @param size bytes per array element
 * @param eventsOffset offset of the 32-bit {@code events} mask
 * @param dataOffset offset of the 64-bit {@code data} word
 */
record EpollEventLayout(int size, int eventsOffset, int dataOffset) {

    /** x86-64: packed. */
    static final EpollEventLayout X86_64 = new EpollEventLayout(12, 0, 4);
    /** aarch64: natural alignment of the 64-bit data word. */
    static final EpollEventLayout AARCH64 = new EpollEventLayout(16, 0, 8);

    /**
     * @param osArch the {@code os.arch} property
     * @return the layout for that architecture
     * @throws IllegalArgumentException for an architecture we do not know the layout of
     */
    static EpollEventLayout forArch(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64" -> AARCH64;
            default -> throw new IllegalArgumentException("no known struct epoll_event layout for architecture " + osArch);
        };
    }

    /** @return the byte offset of element {@code index}'s events mask */
    long eventsAt(int index) {
        return (long) index * size + eventsOffset;
    }

    /** @return the byte offset of element {@code index}'s data word */
    long dataAt(int index) {
        return (long) index * size + dataOffset;
    }

    /** @return bytes for an array of {@code count} elements */
    long arrayBytes(int count) {
        return (long) count * size;
    }
}
