package io.cpumapd.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The service manager's end of {@code sd_notify}: an AF_UNIX datagram socket bound at a path, given
 * to a daemon as {@code NOTIFY_SOCKET}, collecting what it sends (systemd's own socket, as a test sees
 * it). Java has no AF_UNIX datagram channel, so it is made through FFM.
 */
public final class NotifySocket implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = bind("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = bind("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = bind("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bind("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;

    private final Path path;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(4096);
    private final List<String> received = new ArrayList<>();

    public NotifySocket(Path path) {
        this.path = path;
        try (Arena call = Arena.ofConfined()) {
            fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment addr = call.allocate(110);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
            int ret = (int) BIND.invokeExact(fd, addr, 2 + name.length + 1);
            if (fd < 0 || ret != 0) {
                throw new IllegalStateException("cannot bind a datagram socket at " + path);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public Path path() {
        return path;
    }

    /** Every message so far, in order. */
    public synchronized List<String> messages() {
        drain();
        return List.copyOf(received);
    }

    /** Waits until a message containing {@code line} (e.g. {@code READY=1}) has come; fails after the time. */
    public void await(String line, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (messages().stream().anyMatch(m -> m.lines().anyMatch(line::equals))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + line + " within " + timeoutMs + " ms; got " + messages());
    }

    private void drain() {
        try {
            while (true) {
                long n = (long) RECV.invokeExact(fd, buffer, buffer.byteSize(), 0);
                if (n <= 0) {
                    return;
                }
                received.add(new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        arena.close();
        Files.deleteIfExists(path);
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
