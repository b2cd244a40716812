package dev.weft.transport.epoll;

import dev.weft.spi.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Decides once whether epoll can run in this JVM, and if not why (Netty's
 * {@code Epoll.unavailabilityCause()}). Nothing native is touched before the cheap checks pass,
 * so on macOS or Windows this class loads and answers without linking anything.
 */
final class EpollAvailability {
    /** The way out, appended to every reason. */
    static final String WAY_OUT = "use --transport nio instead";

    private static final Availability ANSWER = decide();

    private EpollAvailability() {
    }

    /** @return the verdict for this JVM */
    static Availability get() {
        return ANSWER;
    }

    private static Availability decide() {
        Availability platform = checkPlatform(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        if (!platform.available()) {
            return platform;
        }
        if (!sigpipeHandled()) {
            return Availability.unavailable("this JVM neither catches nor ignores SIGPIPE, so sendfile to a vanished peer would kill it");
        }
        try {
            // Links every downcall: fails here, not mid-connection, if native access is denied.
            int fd = LinuxNative.eventfd();
            LinuxNative.close(fd);
        } catch (IllegalCallerException e) {
            return nativeAccessDenied(e);
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof IllegalCallerException denied) {
                return nativeAccessDenied(denied);
            }
            return Availability.unavailable("cannot call into libc: " + e.getCause());
        } catch (NativeCallException | LinkageError e) {
            return Availability.unavailable("cannot call into libc: " + e);
        }
        return Availability.availableHere();
    }

    /** The checks that need no native call: operating system and architecture. */
    static Availability checkPlatform(String os, String arch) {
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Availability.unavailable("epoll needs Linux; this is " + os);
        }
        try {
            EpollEventLayout.forArch(arch);
        } catch (IllegalArgumentException e) {
            return Availability.unavailable("epoll runs on x86-64 and aarch64 only; this is " + arch);
        }
        return Availability.availableHere();
    }

    private static Availability nativeAccessDenied(IllegalCallerException e) {
        return Availability.unavailable("native access is denied to " + EpollAvailability.class.getModule()
                + ": run java with --enable-native-access=ALL-UNNAMED (" + e.getMessage() + ")");
    }

    /**
     * HotSpot installs a SIGPIPE handler that ignores the signal; a launcher embedding the JVM
     * could undo that. {@code /proc/self/status} lists caught and ignored signals as bit masks.
     */
    static boolean sigpipeHandled() {
        long sigpipeBit = 1L << (13 - 1);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigCgt:") || line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    if ((mask & sigpipeBit) != 0) {
                        return true;
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }
}
