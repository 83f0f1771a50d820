package io.cpumapd.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace for one test, made with ip(8): a host the test owns, deleted by
 * {@link #close()} (use try-with-resources), and by a shutdown hook if a test forgot.
 * When the namespace goes, the kernel deletes the virtual links moved into it.
 */
public final class NetNamespace implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(NetNamespace::delete),
                "netns-cleanup"));
    }

    private final String name;

    private NetNamespace(String name) {
        this.name = name;
    }

    /** Creates {@code <prefix>-<random>}. */
    public static NetNamespace create(String prefix) {
        String name = prefix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 24);
        LIVE.add(name);
        try {
            Cmd.check("ip", "netns", "add", name);
        } catch (RuntimeException e) {
            LIVE.remove(name);
            throw e;
        }
        return new NetNamespace(name);
    }

    public String name() {
        return name;
    }

    /** Runs {@code command} inside the namespace; throws when it fails. Returns its output. */
    public String exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return Cmd.run(Cmd.DEFAULT_TIMEOUT, full).orThrow();
    }

    /** Moves a link of the calling namespace here; the kernel brings it down on the way. */
    public void moveLink(String ifName) {
        Cmd.check("ip", "link", "set", "dev", ifName, "netns", name);
    }

    /**
     * Runs {@code task} on a new platform thread that first joins this namespace, so that the
     * sockets and devices it creates live here, even when later used from other threads.
     * setns changes only the calling thread, so the test's own thread never moves.
     */
    public <T> T runInside(Callable<T> task) throws Exception {
        FutureTask<T> future = new FutureTask<>(() -> {
            enter();
            return task.call();
        });
        Thread thread = Thread.ofPlatform().name("netns-" + name).start(future);
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } finally {
            thread.join();
        }
    }

    private void enter() {
        int fd = Sys.open("/var/run/netns/" + name, O_RDONLY | O_CLOEXEC);
        try {
            Sys.setns(fd, CLONE_NEWNET);
        } finally {
            Sys.close(fd);
        }
    }

    /** Idempotent. */
    @Override
    public void close() {
        if (LIVE.remove(name)) {
            delete(name);
        }
    }

    private static void delete(String name) {
        Cmd.run("ip", "netns", "delete", name);
    }

    @Override
    public String toString() {
        return "netns " + name;
    }

    /** The three system calls that joining a namespace needs; failures thrown with errno. */
    @SuppressWarnings("restricted")
    private static final class Sys {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO =
                CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private static final MethodHandle OPEN = bind("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
        private static final MethodHandle SETNS = bind("setns",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        private static final MethodHandle CLOSE = bind("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));

        static int open(String path, int flags) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = arena.allocate(CAPTURE);
                int fd = (int) OPEN.invokeExact(errno, arena.allocateFrom(path), flags);
                return check(fd, errno, "open " + path);
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        static void setns(int fd, int nsType) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = arena.allocate(CAPTURE);
                check((int) SETNS.invokeExact(errno, fd, nsType), errno, "setns");
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        static void close(int fd) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = arena.allocate(CAPTURE);
                check((int) CLOSE.invokeExact(errno, fd), errno, "close");
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        private static int check(int ret, MemorySegment errno, String operation) {
            if (ret < 0) {
                throw new IllegalStateException(operation + " failed: errno " + (int) ERRNO.get(errno, 0L));
            }
            return ret;
        }

        private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
        }
    }
}
