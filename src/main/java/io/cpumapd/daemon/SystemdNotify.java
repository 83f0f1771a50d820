package io.cpumapd.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * {@code sd_notify(3)}: one datagram per message to the AF_UNIX socket systemd names in
 * {@code $NOTIFY_SOCKET} (a path, or {@code @name} for the abstract namespace). Java has no AF_UNIX
 * datagram channel, so the two C library calls go through FFM: no child process per message, and the
 * sender is the main PID (the unit needs no {@code NotifyAccess=all}). Nothing happens outside systemd.
 */
final class SystemdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): sa_family_t then 108 bytes of path. */
    private static final int SOCKADDR_UN_BYTES = 110;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = bind("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bind("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private SystemdNotify() {
    }

    static void ready() {
        send("READY=1\nSTATUS=running");
    }

    static void reloading() {
        // MONOTONIC_USEC lets systemd 253+ match the reload; 252 ignores it.
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=reloading the configuration");
    }

    static void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    static void watchdog() {
        send("WATCHDOG=1");
    }

    static void status(String text) {
        send("STATUS=" + text.replace('\n', ' '));
    }

    /** The watchdog period systemd asked for ({@code WatchdogSec=}), in microseconds; 0 when off or not for us. */
    static long watchdogUsec() {
        String usec = System.getenv("WATCHDOG_USEC");
        String pid = System.getenv("WATCHDOG_PID");
        if (usec == null || (pid != null && !pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(usec.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Sends {@code message} to {@code $NOTIFY_SOCKET}; false when unset or the send failed. */
    static boolean send(String message) {
        String target = System.getenv("NOTIFY_SOCKET");
        return target != null && !target.isEmpty() && send(target, message);
    }

    static synchronized boolean send(String target, String message) {
        byte[] path = target.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SOCKADDR_UN_BYTES - 2 || (path[0] != '/' && path[0] != '@')) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_UN_BYTES);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
            int addrLen = 2 + path.length;
            if (path[0] == '@') {
                addr.set(ValueLayout.JAVA_BYTE, 2, (byte) 0); // abstract: no terminating NUL counted
            } else {
                addrLen++; // a path socket's name includes its NUL
            }
            byte[] text = message.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = arena.allocate(text.length);
            MemorySegment.copy(text, 0, buf, ValueLayout.JAVA_BYTE, 0, text.length);
            int fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return false;
            }
            long sent = (long) SENDTO.invokeExact(fd, buf, (long) text.length, MSG_NOSIGNAL, addr, addrLen);
            int ignored = (int) CLOSE.invokeExact(fd);
            return sent == text.length;
        } catch (Throwable t) {
            return false;
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
