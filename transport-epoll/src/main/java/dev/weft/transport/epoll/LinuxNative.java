package dev.weft.transport.epoll;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The Linux system calls this transport makes, bound through {@code java.lang.foreign} (no JNI,
 * no C). Every handle captures {@code errno} ({@link Linker.Option#captureCallState}).
 *
 * <p>Two calling conventions: the socket-set-up calls ({@link #socket}, {@link #bind}, ...) throw
 * {@link NativeCallException} naming the call and the errno. The hot-path calls ({@link #read},
 * {@link #send}, {@link #sendmsg}, {@link #sendfile}, {@link #accept4}, {@link #epollWait}) return
 * the kernel's way: a count, or {@code -errno}, so that {@code EAGAIN} and friends are plain
 * values, not exceptions. {@code EINTR} is retried inside every wrapper.
 *
 * <p><b>SIGPIPE</b>: writing to a socket whose peer has gone raises SIGPIPE, whose default action
 * kills the process. Buffer writes use {@code send}/{@code sendmsg} with {@code MSG_NOSIGNAL}.
 * {@code sendfile} has no such flag; HotSpot installs a SIGPIPE handler that ignores the signal,
 * which {@link EpollAvailability} verifies before the transport runs.
 *
 * <p>Threading: stateless; the errno capture buffer is per thread.
 */
final class LinuxNative {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_LINGER = 13;
    static final int SO_REUSEPORT = 15;
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    static final int SHUT_RD = 0;
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;
    static final int MSG_NOSIGNAL = 0x4000;
    /** More data follows at once: lets a frame header share packets with the sendfile payload after it. */
    static final int MSG_MORE = 0x8000;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x1;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLERR = 0x8;
    static final int EPOLLHUP = 0x10;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLET = 1 << 31;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    /** {@code struct iovec { void *base; size_t len; }}: 16 bytes on both 64-bit targets. */
    static final long IOVEC_SIZE = 16;
    /** {@code struct msghdr} on 64-bit Linux: 56 bytes. */
    static final long MSGHDR_SIZE = 56;
    static final long MSGHDR_IOV_OFFSET = 16;
    static final long MSGHDR_IOVLEN_OFFSET = 24;
    /** Room for either sockaddr_in (16) or sockaddr_in6 (28). */
    static final long SOCKADDR_STORAGE_SIZE = 128;

    /** This machine's {@code struct epoll_event} layout. */
    static final EpollEventLayout EPOLL_EVENT = EpollEventLayout.forArch(System.getProperty("os.arch"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Per-thread errno capture buffer, freed by the GC with its thread. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = bind("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = bind("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETPEERNAME = bind("getpeername", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = bind("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = bind("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle READV = bind("readv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITEV = bind("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = bind("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMSG = bind("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PREAD = bind("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SENDFILE = bind("sendfile", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP = bind("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private LinuxNative() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }

    private static MemorySegment capture() {
        return CAPTURE.get();
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** Turns a -1 result into {@code -errno}; anything else passes through. */
    private static long kernelStyle(long result, MemorySegment capture) {
        return result == -1 ? -errno(capture) : result;
    }

    private static int checked(String call, int result, MemorySegment capture) throws NativeCallException {
        if (result == -1) {
            throw new NativeCallException(call, errno(capture));
        }
        return result;
    }

    /** Wraps the impossible: a downcall handle throws only what its target throws, which C never does. */
    private static AssertionError unexpected(Throwable t) {
        return new AssertionError("downcall threw", t);
    }

    /** @return a new non-blocking, close-on-exec TCP socket */
    static int socket(int family) throws NativeCallException {
        MemorySegment capture = capture();
        try {
            return checked("socket", (int) SOCKET.invokeExact(capture, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets an int-valued option. */
    static void setIntOption(int fd, int level, int option, int value) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            setIntOption(fd, level, option, value, arena.allocate(JAVA_INT));
        }
    }

    /**
     * Sets an int-valued option, using {@code scratch} (4+ bytes owned by the calling thread) for
     * the value: the accept path sets TCP_NODELAY on every connection without allocating.
     */
    static void setIntOption(int fd, int level, int option, int value, MemorySegment scratch) throws NativeCallException {
        scratch.set(JAVA_INT, 0, value);
        MemorySegment capture = capture();
        try {
            checked("setsockopt", (int) SETSOCKOPT.invokeExact(capture, fd, level, option, scratch, 4), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets {@code SO_LINGER}: {@code {on, seconds}}; {@code {1, 0}} makes close send RST. */
    static void setLinger(int fd, boolean on, int seconds) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment linger = arena.allocate(8, 4);
            linger.set(JAVA_INT, 0, on ? 1 : 0);
            linger.set(JAVA_INT, 4, seconds);
            MemorySegment capture = capture();
            checked("setsockopt(SO_LINGER)", (int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, SO_LINGER, linger, 8), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Binds {@code fd} to the encoded address. */
    static void bind(int fd, MemorySegment sockaddr, int length) throws NativeCallException {
        MemorySegment capture = capture();
        try {
            checked("bind", (int) BIND.invokeExact(capture, fd, sockaddr, length), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Starts listening. */
    static void listen(int fd, int backlog) throws NativeCallException {
        MemorySegment capture = capture();
        try {
            checked("listen", (int) LISTEN.invokeExact(capture, fd, backlog), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Accepts one connection as a non-blocking, close-on-exec socket.
     *
     * @param sockaddr receives the peer's address ({@link #SOCKADDR_STORAGE_SIZE} bytes)
     * @param lengthInOut a 4-byte socklen_t, set to the buffer size by this method
     * @return the new fd, or {@code -errno} ({@code -EAGAIN} when none is pending)
     */
    static int accept4(int listenFd, MemorySegment sockaddr, MemorySegment lengthInOut) {
        MemorySegment capture = capture();
        try {
            while (true) {
                lengthInOut.set(JAVA_INT, 0, (int) SOCKADDR_STORAGE_SIZE);
                int result = (int) kernelStyle((int) ACCEPT4.invokeExact(capture, listenFd, sockaddr, lengthInOut,
                        SOCK_NONBLOCK | SOCK_CLOEXEC), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Fills {@code sockaddr} with the local address; returns its length. */
    static int getsockname(int fd, MemorySegment sockaddr, MemorySegment lengthInOut) throws NativeCallException {
        MemorySegment capture = capture();
        lengthInOut.set(JAVA_INT, 0, (int) SOCKADDR_STORAGE_SIZE);
        try {
            checked("getsockname", (int) GETSOCKNAME.invokeExact(capture, fd, sockaddr, lengthInOut), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return lengthInOut.get(JAVA_INT, 0);
    }

    /** Fills {@code sockaddr} with the peer's address; returns its length. */
    static int getpeername(int fd, MemorySegment sockaddr, MemorySegment lengthInOut) throws NativeCallException {
        MemorySegment capture = capture();
        lengthInOut.set(JAVA_INT, 0, (int) SOCKADDR_STORAGE_SIZE);
        try {
            checked("getpeername", (int) GETPEERNAME.invokeExact(capture, fd, sockaddr, lengthInOut), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return lengthInOut.get(JAVA_INT, 0);
    }

    /** @return a new close-on-exec epoll instance */
    static int epollCreate() throws NativeCallException {
        MemorySegment capture = capture();
        try {
            return checked("epoll_create1", (int) EPOLL_CREATE1.invokeExact(capture, EPOLL_CLOEXEC), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Adds, modifies or deletes {@code fd}'s registration.
     *
     * @param scratch at least one epoll_event of room, owned by the calling thread
     */
    static void epollCtl(int epollFd, int op, int fd, int events, long data, MemorySegment scratch) throws NativeCallException {
        scratch.set(JAVA_INT, EPOLL_EVENT.eventsAt(0), events);
        scratch.set(ValueLayouts.LONG_UNALIGNED, EPOLL_EVENT.dataAt(0), data);
        MemorySegment capture = capture();
        try {
            checked("epoll_ctl", (int) EPOLL_CTL.invokeExact(capture, epollFd, op, fd, scratch), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return the number of ready events written to {@code events}, or {@code -errno}; EINTR gives 0 */
    static int epollWait(int epollFd, MemorySegment events, int maxEvents, int timeoutMillis) {
        MemorySegment capture = capture();
        try {
            int result = (int) kernelStyle((int) EPOLL_WAIT.invokeExact(capture, epollFd, events, maxEvents, timeoutMillis), capture);
            // A signal (GC safepoints do not signal, but debuggers and profilers do) just ends this wait early.
            return result == -Errno.EINTR.number ? 0 : result;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes read (0 at end of stream), or {@code -errno} */
    static long read(int fd, MemorySegment buffer, long count) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) READ.invokeExact(capture, fd, buffer, count), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes read into the {@code iovCount} iovecs, or {@code -errno} */
    static long readv(int fd, MemorySegment iovecs, int iovCount) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) READV.invokeExact(capture, fd, iovecs, iovCount), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Plain write(2); may raise SIGPIPE on a socket, so the transport uses {@link #send} instead. */
    static long write(int fd, MemorySegment buffer, long count) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) WRITE.invokeExact(capture, fd, buffer, count), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Plain writev(2); may raise SIGPIPE on a socket, so the transport uses {@link #sendmsg} instead. */
    static long writev(int fd, MemorySegment iovecs, int iovCount) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) WRITEV.invokeExact(capture, fd, iovecs, iovCount), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes sent, or {@code -errno}; never raises SIGPIPE */
    static long send(int fd, MemorySegment buffer, long count) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) SEND.invokeExact(capture, fd, buffer, count, MSG_NOSIGNAL), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Gathering send of the iovecs {@code msghdr} points at (writev without SIGPIPE).
     *
     * @param extraFlags added to MSG_NOSIGNAL, e.g. {@link #MSG_MORE}
     * @return bytes sent, or {@code -errno}
     */
    static long sendmsg(int fd, MemorySegment msghdr, int extraFlags) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) SENDMSG.invokeExact(capture, fd, msghdr, MSG_NOSIGNAL | extraFlags), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * pread(2): reads up to {@code count} bytes of {@code fd} at {@code offset} into
     * {@code buffer}, leaving the file's position alone.
     *
     * @return bytes read (fewer than asked, or 0, only at end of file), or {@code -errno}
     */
    static long pread(int fd, MemorySegment buffer, long count, long offset) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) PREAD.invokeExact(capture, fd, buffer, count, offset), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * sendfile(2) from {@code fileFd} at {@code *offsetInOut} (advanced by the kernel).
     *
     * @return bytes sent (0 at end of file), or {@code -errno}
     */
    static long sendfile(int socketFd, int fileFd, MemorySegment offsetInOut, long count) {
        MemorySegment capture = capture();
        try {
            while (true) {
                long result = kernelStyle((long) SENDFILE.invokeExact(capture, socketFd, fileFd, offsetInOut, count), capture);
                if (result != -Errno.EINTR.number) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0, or {@code -errno} ({@code -ENOTCONN} when the peer is already gone) */
    static int shutdown(int fd, int how) {
        MemorySegment capture = capture();
        try {
            return (int) kernelStyle((int) SHUTDOWN.invokeExact(capture, fd, how), capture);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Closes {@code fd}. Not retried on EINTR: Linux frees the fd even then, and a retry could
     * close an fd another thread just got.
     *
     * @return 0, or {@code -errno}
     */
    static int close(int fd) {
        MemorySegment capture = capture();
        try {
            return (int) kernelStyle((int) CLOSE.invokeExact(capture, fd), capture);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return a new fd sharing {@code fd}'s open file description */
    static int dup(int fd) throws NativeCallException {
        MemorySegment capture = capture();
        try {
            return checked("dup", (int) DUP.invokeExact(capture, fd), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return a new non-blocking, close-on-exec eventfd (a loop's wake-up doorbell) */
    static int eventfd() throws NativeCallException {
        MemorySegment capture = capture();
        try {
            return checked("eventfd", (int) EVENTFD.invokeExact(capture, 0, EFD_NONBLOCK | EFD_CLOEXEC), capture);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
