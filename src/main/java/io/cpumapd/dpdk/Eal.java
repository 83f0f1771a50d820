package io.cpumapd.dpdk;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * DPDK's Environment Abstraction Layer. It starts once per process ({@code rte_eal_init});
 * after {@link #close()} ({@code rte_eal_cleanup}) it cannot start again.
 */
public final class Eal implements AutoCloseable {
    /** What {@code rte_lcore_id()} returns on a thread DPDK does not know. */
    public static final int LCORE_ID_ANY = -1;

    private static final int DIAGNOSTIC_BYTES = 4096;
    private static final MethodHandle EAL_INIT = Native.downcall("cpm_eal_init",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle EAL_CLEANUP = Native.downcall("rte_eal_cleanup",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle THREAD_REGISTER = Native.downcall("rte_thread_register",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle THREAD_UNREGISTER = Native.downcall("rte_thread_unregister",
            FunctionDescriptor.ofVoid());
    private static final MethodHandle FLUSH_LCORE_CACHES = Native.downcall("cpm_mempool_flush_lcore_caches",
            FunctionDescriptor.ofVoid());
    private static final MethodHandle LCORE_ID = Native.criticalDowncall("cpm_lcore_id",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle LCORE_COUNT = Native.downcall("rte_lcore_count",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle DEV_PROBE = Native.downcall("rte_dev_probe",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle VERSION = Native.downcall("rte_version",
            FunctionDescriptor.of(ValueLayout.ADDRESS));

    private static Eal current;

    private final List<String> args;
    private boolean closed;

    private Eal(List<String> args) {
        this.args = List.copyOf(args);
    }

    /**
     * Starts the EAL with {@code args} (program name first is not needed: it is added).
     * Bad arguments throw with what DPDK said about them. DPDK 22.11 keeps some parser state
     * after a failed start (a second {@code -l} is refused), so a process should not retry.
     */
    public static synchronized Eal init(List<String> args) {
        if (current != null) {
            throw new IllegalStateException("the EAL is already running in this process with " + current.args);
        }
        // argv lives for the whole process: the EAL may keep pointers into it.
        Arena arena = Arena.global();
        MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, args.size() + 2L);
        argv.setAtIndex(ValueLayout.ADDRESS, 0, arena.allocateFrom("cpumapd"));
        for (int i = 0; i < args.size(); i++) {
            argv.setAtIndex(ValueLayout.ADDRESS, i + 1, arena.allocateFrom(args.get(i)));
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment diagnostic = call.allocate(DIAGNOSTIC_BYTES);
            int ret = (int) EAL_INIT.invokeExact(args.size() + 1, argv, diagnostic, DIAGNOSTIC_BYTES);
            if (ret < 0) {
                int code = Errno.rteErrno();
                String said = diagnostic.getString(0).strip().replace("\n", "; ");
                removeRuntimeDirectory(args); // a failed init may already have created it
                throw new DpdkException("rte_eal_init(" + String.join(" ", args) + ")", code,
                        Errno.strerror(code) + (said.isEmpty() ? "" : ": " + said));
            }
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        current = new Eal(args);
        return current;
    }

    public static synchronized boolean isRunning() {
        return current != null && !current.closed;
    }

    public List<String> args() {
        return args;
    }

    /** Hot-plugs a device after start, e.g. {@code net_pcap1,rx_pcap=/tmp/a.pcap}. */
    public void attach(String devargs) {
        try (Arena arena = Arena.ofConfined()) {
            int ret = (int) DEV_PROBE.invokeExact(arena.allocateFrom(devargs));
            Errno.check(ret, "rte_dev_probe(" + devargs + ")");
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int lcoreCount() {
        try {
            return (int) LCORE_COUNT.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Gives the calling (Java platform) thread an lcore id so that mempool per-lcore caches
     * and other per-lcore state work on it. Returns the lcore id.
     */
    public static int registerThread() {
        try {
            int ret = (int) THREAD_REGISTER.invokeExact();
            if (ret < 0) {
                throw Errno.fromRteErrno("rte_thread_register");
            }
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return lcoreId();
    }

    /**
     * Gives back the lcore id, after this lcore's mempool caches are flushed into their pools (DPDK
     * does not: the mbufs would stay in a cache the next thread with this id may never use).
     */
    public static void unregisterThread() {
        try {
            FLUSH_LCORE_CACHES.invokeExact();
            THREAD_UNREGISTER.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The calling thread's lcore id, or {@link #LCORE_ID_ANY}. */
    public static int lcoreId() {
        try {
            return (int) LCORE_ID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static String version() {
        try {
            return ((MemorySegment) VERSION.invokeExact()).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code rte_eal_cleanup}: every port, ring and mempool must be released before. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Errno.check((int) EAL_CLEANUP.invokeExact(), "rte_eal_cleanup");
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        removeRuntimeDirectory(args);
    }

    /**
     * rte_eal_cleanup leaves the runtime directory ({@code /var/run/dpdk/<file-prefix>}, as root) and
     * its shared-config files behind; once this primary process is done, nothing may attach to them.
     * Removes it when this process named the prefix (also after a failed init), so repeated runs and
     * tests leave nothing; the default prefix may be another DPDK process's and is left alone.
     */
    public static void removeRuntimeDirectory(List<String> args) {
        String prefix = null;
        for (String a : args) {
            if (a.startsWith("--file-prefix=")) {
                prefix = a.substring("--file-prefix=".length());
            }
        }
        if (prefix == null || prefix.isEmpty() || prefix.contains("/") || prefix.startsWith(".")) {
            return;
        }
        String base = System.getenv("XDG_RUNTIME_DIR");
        Path dir = (new UnixSystem().getUid() == 0 || base == null ? Path.of("/var/run/dpdk")
                : Path.of(base, "dpdk")).resolve(prefix);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Not there (never created) or not ours to remove: nothing to clean.
        }
    }
}
