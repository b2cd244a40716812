package dev.weft.wireproto;

/**
 * The bounds a wireproto endpoint enforces on its peer, so that a hostile peer costs bounded
 * memory. Every limit breached is a protocol error followed by close.
 *
 * @param maxReceiveFrameLength largest payload accepted, checked as soon as a header is in
 *     (the protocol revision forbids frames over 65535 bytes without a handshake)
 * @param sendFrameLength largest payload we send; responses are split into frames of this size
 * @param maxArguments arguments per command (stops an argument flood)
 * @param maxArgumentBytes bytes of argument names and values per command, held in memory
 *     until the command runs
 * @param maxPendingCommands commands received but not yet answered per connection (in revision
 *     {@code 0002} they all run at once, so this bounds the commands running side by side);
 *     past this the carrier stops reading (back-pressure, not an error)
 * @param commandDataWindow bytes of command data buffered for a handler before the carrier
 *     stops reading from the peer
 * @param maxDeferredOutputBytes bytes of responses a half-duplex carrier holds until end of
 *     input; a command whose answer would exceed it gets an application error instead
 */
public record WireprotoLimits(int maxReceiveFrameLength, int sendFrameLength, int maxArguments,
                              int maxArgumentBytes, int maxPendingCommands, int commandDataWindow,
                              long maxDeferredOutputBytes) {

    /** 65535: the protocol revision's limit without a frame-size handshake. */
    public static final int DEFAULT_MAX_RECEIVE_FRAME_LENGTH = 65535;
    /** 32768, as the reference implementation sends. */
    public static final int DEFAULT_SEND_FRAME_LENGTH = 32768;
    /** 256 arguments per command. */
    public static final int DEFAULT_MAX_ARGUMENTS = 256;
    /** 1 MiB of argument names and values per command. */
    public static final int DEFAULT_MAX_ARGUMENT_BYTES = 1 << 20;
    /** 16 commands in flight per connection. */
    public static final int DEFAULT_MAX_PENDING_COMMANDS = 16;
    /** 256 KiB of command data buffered ahead of the handler. */
    public static final int DEFAULT_COMMAND_DATA_WINDOW = 256 * 1024;
    /** 64 MiB of deferred responses per exchange. */
    public static final long DEFAULT_MAX_DEFERRED_OUTPUT_BYTES = 64L << 20;

    /** @throws IllegalArgumentException for limits that cannot work */
    public WireprotoLimits {
        if (maxReceiveFrameLength < 1 || maxReceiveFrameLength > FrameCodec.MAX_ENCODABLE_LENGTH) {
            throw new IllegalArgumentException("maxReceiveFrameLength must be 1..16777215: " + maxReceiveFrameLength);
        }
        if (sendFrameLength < 1 || sendFrameLength > FrameCodec.MAX_ENCODABLE_LENGTH) {
            throw new IllegalArgumentException("sendFrameLength must be 1..16777215: " + sendFrameLength);
        }
        if (maxArguments < 0 || maxArgumentBytes < 0 || maxPendingCommands < 1 || commandDataWindow < 1
                || maxDeferredOutputBytes < 0) {
            throw new IllegalArgumentException("negative or zero limit in " + this);
        }
    }

    /** @return the defaults */
    public static WireprotoLimits defaults() {
        return new WireprotoLimits(DEFAULT_MAX_RECEIVE_FRAME_LENGTH, DEFAULT_SEND_FRAME_LENGTH, DEFAULT_MAX_ARGUMENTS,
                DEFAULT_MAX_ARGUMENT_BYTES, DEFAULT_MAX_PENDING_COMMANDS, DEFAULT_COMMAND_DATA_WINDOW,
                DEFAULT_MAX_DEFERRED_OUTPUT_BYTES);
    }

    /** @return these limits with another receive frame limit */
    public WireprotoLimits withMaxReceiveFrameLength(int bytes) {
        return new WireprotoLimits(bytes, sendFrameLength, maxArguments, maxArgumentBytes, maxPendingCommands,
                commandDataWindow, maxDeferredOutputBytes);
    }

    /** @return these limits with another send frame size */
    public WireprotoLimits withSendFrameLength(int bytes) {
        return new WireprotoLimits(maxReceiveFrameLength, bytes, maxArguments, maxArgumentBytes, maxPendingCommands,
                commandDataWindow, maxDeferredOutputBytes);
    }

    /** @return these limits with other argument bounds */
    public WireprotoLimits withArgumentLimits(int count, int bytes) {
        return new WireprotoLimits(maxReceiveFrameLength, sendFrameLength, count, bytes, maxPendingCommands,
                commandDataWindow, maxDeferredOutputBytes);
    }

    /** @return these limits with another bound on commands in flight per connection */
    public WireprotoLimits withMaxPendingCommands(int count) {
        return new WireprotoLimits(maxReceiveFrameLength, sendFrameLength, maxArguments, maxArgumentBytes, count,
                commandDataWindow, maxDeferredOutputBytes);
    }

    /** @return these limits with another deferred-output bound */
    public WireprotoLimits withMaxDeferredOutputBytes(long bytes) {
        return new WireprotoLimits(maxReceiveFrameLength, sendFrameLength, maxArguments, maxArgumentBytes,
                maxPendingCommands, commandDataWindow, bytes);
    }
}
