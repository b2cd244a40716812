package dev.weft.transport.epoll;

import java.util.HashMap;
import java.util.Map;

/**
 * The Linux {@code errno} values this transport meets, by name. The numbers are the
 * asm-generic ones, identical on x86-64 and aarch64 (the only architectures we run on).
 */
enum Errno {
    EPERM(1), ENOENT(2), EINTR(4), EIO(5), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13), EFAULT(14),
    EINVAL(22), ENFILE(23), EMFILE(24), ESPIPE(29), EPIPE(32), ENOSYS(38), EPROTO(71), EOVERFLOW(75),
    ENOTSOCK(88), EOPNOTSUPP(95), EAFNOSUPPORT(97), EADDRINUSE(98), EADDRNOTAVAIL(99), ENETUNREACH(101),
    ECONNABORTED(103), ECONNRESET(104), ENOBUFS(105), ENOTCONN(107), ETIMEDOUT(110), ECONNREFUSED(111),
    EHOSTUNREACH(113);

    private static final Map<Integer, Errno> BY_NUMBER = new HashMap<>();

    static {
        for (Errno errno : values()) {
            BY_NUMBER.put(errno.number, errno);
        }
    }

    /** The kernel's number for it. */
    final int number;

    Errno(int number) {
        this.number = number;
    }

    /** @return the symbolic name of {@code number}, or {@code errno N} for one we do not list */
    static String nameOf(int number) {
        Errno known = BY_NUMBER.get(number);
        return known != null ? known.name() : "errno " + number;
    }
}
