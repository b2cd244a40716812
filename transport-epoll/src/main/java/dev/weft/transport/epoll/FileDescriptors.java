package dev.weft.transport.epoll;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.util.OptionalInt;

/**
 * Finds the fd behind a JDK {@link FileChannel}, which {@code sendfile(2)} needs. The JDK offers
 * no public way, so this reads the private fields {@code sun.nio.ch.FileChannelImpl.fd} and
 * {@code java.io.FileDescriptor.fd}, which works only when the JVM opens those packages to us:
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED}
 * (or {@code Add-Opens} in an executable jar's manifest). Without them file regions go out
 * through a read-only memory map of the file instead: still no copy through Java buffers, but
 * not sendfile.
 *
 * <p>Threading: immutable after class initialisation.
 */
final class FileDescriptors {
    private static final VarHandle CHANNEL_FD;
    private static final VarHandle DESCRIPTOR_FD;
    private static final String UNAVAILABLE_REASON;

    static {
        VarHandle channelFd = null;
        VarHandle descriptorFd = null;
        String reason = null;
        try {
            Class<?> implementation = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = MethodHandles.privateLookupIn(implementation, MethodHandles.lookup())
                    .findVarHandle(implementation, "fd", FileDescriptor.class);
            descriptorFd = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                    .findVarHandle(FileDescriptor.class, "fd", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            channelFd = null;
            descriptorFd = null;
            reason = "file channel fds are not reachable (" + e.getMessage() + "); add --add-opens java.base/sun.nio.ch=ALL-UNNAMED"
                    + " --add-opens java.base/java.io=ALL-UNNAMED to use sendfile";
        }
        CHANNEL_FD = channelFd;
        DESCRIPTOR_FD = descriptorFd;
        UNAVAILABLE_REASON = reason;
    }

    private FileDescriptors() {
    }

    /** @return whether {@link #of} can work in this JVM */
    static boolean sendfileUsable() {
        return CHANNEL_FD != null;
    }

    /** @return why {@link #of} cannot work, or null */
    static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    /** @return the channel's fd, if it is the JDK's file channel and the fields are reachable */
    static OptionalInt of(FileChannel channel) {
        if (CHANNEL_FD == null || !channel.getClass().getName().equals("sun.nio.ch.FileChannelImpl")) {
            return OptionalInt.empty();
        }
        FileDescriptor descriptor = (FileDescriptor) CHANNEL_FD.get(channel);
        int fd = (int) DESCRIPTOR_FD.get(descriptor);
        return fd >= 0 ? OptionalInt.of(fd) : OptionalInt.empty();
    }
}
