package dev.weft.transport.epoll;

import java.io.IOException;

/**
 * A system call failed: carries the call's name and the {@code errno} it set, both in the
 * message (e.g. {@code "read failed: ECONNRESET (104)"}).
 */
public final class NativeCallException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The failing call, e.g. {@code "sendfile"}. */
    private final String call;
    /** The errno it set. */
    private final int errno;

    /**
     * @param call the failing call
     * @param errno the errno it set
     */
    public NativeCallException(String call, int errno) {
        super(call + " failed: " + Errno.nameOf(errno) + " (" + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    /** @return the failing call's name */
    public String call() {
        return call;
    }

    /** @return the errno number */
    public int errno() {
        return errno;
    }

    /** @return the errno's symbolic name, e.g. {@code ECONNRESET} */
    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** @return whether the errno is {@code expected} */
    boolean is(Errno expected) {
        return errno == expected.number;
    }
}
