package dev.weft.wireproto;

/** The flag bits of each frame type, as the protocol defines them (4 bits, per type). */
public final class FrameFlags {
    /** command-name: the command has neither arguments nor data. */
    public static final int COMMAND_NAME_EOS = 0x1;
    /** command-name: argument frames follow. */
    public static final int COMMAND_NAME_HAVE_ARGS = 0x2;
    /** command-name: data frames follow (after the arguments, if any). */
    public static final int COMMAND_NAME_HAVE_DATA = 0x4;
    /** command-argument: the value goes on in the next frame. */
    public static final int ARGUMENT_CONTINUATION = 0x1;
    /** command-argument: this is the last argument. */
    public static final int ARGUMENT_EOA = 0x2;
    /** command-data: more data frames follow. */
    public static final int DATA_CONTINUATION = 0x1;
    /** command-data: the last data frame. */
    public static final int DATA_EOS = 0x2;
    /** bytes-response: more response frames follow. */
    public static final int BYTES_CONTINUATION = 0x1;
    /** bytes-response: the last response frame. */
    public static final int BYTES_EOS = 0x2;
    /** error-response: the peer broke the protocol; the connection ends. */
    public static final int ERROR_PROTOCOL = 0x1;
    /** error-response: the command failed. */
    public static final int ERROR_APPLICATION = 0x2;

    private FrameFlags() {
    }

    /** @return the flag names set in {@code flags} for {@code type}, joined by {@code |} (unknown bits as numbers) */
    public static String describe(FrameType type, int flags) {
        StringBuilder text = new StringBuilder();
        for (int bit = 1; bit <= 8; bit <<= 1) {
            if ((flags & bit) != 0) {
                if (!text.isEmpty()) {
                    text.append('|');
                }
                text.append(name(type, bit));
            }
        }
        return text.isEmpty() ? "0" : text.toString();
    }

    /** @return the flag bits named by {@code names} ({@code eos|have-args}, or numbers) for {@code type} */
    public static int parse(FrameType type, String names) {
        int flags = 0;
        for (String name : names.split("\\|")) {
            flags |= bit(type, name);
        }
        return flags;
    }

    private static String name(FrameType type, int bit) {
        for (int candidate = 1; candidate <= 8; candidate <<= 1) {
            String known = knownName(type, candidate);
            if (candidate == bit && known != null) {
                return known;
            }
        }
        return Integer.toString(bit);
    }

    private static int bit(FrameType type, String name) {
        for (int candidate = 1; candidate <= 8; candidate <<= 1) {
            if (name.equals(knownName(type, candidate))) {
                return candidate;
            }
        }
        int value = Integer.parseInt(name);
        if (value < 0 || value > 15) {
            throw new IllegalArgumentException("flags must be 0..15: " + name);
        }
        return value;
    }

    private static String knownName(FrameType type, int bit) {
        return switch (type) {
            case COMMAND_NAME -> switch (bit) {
                case COMMAND_NAME_EOS -> "eos";
                case COMMAND_NAME_HAVE_ARGS -> "have-args";
                case COMMAND_NAME_HAVE_DATA -> "have-data";
                default -> null;
            };
            case COMMAND_ARGUMENT -> switch (bit) {
                case ARGUMENT_CONTINUATION -> "continuation";
                case ARGUMENT_EOA -> "eoa";
                default -> null;
            };
            case COMMAND_DATA, BYTES_RESPONSE -> switch (bit) {
                case DATA_CONTINUATION -> "continuation";
                case DATA_EOS -> "eos";
                default -> null;
            };
            case ERROR_RESPONSE -> switch (bit) {
                case ERROR_PROTOCOL -> "protocol";
                case ERROR_APPLICATION -> "application";
                default -> null;
            };
        };
    }
}
