package io.cpumapd.bench;

import io.cpumapd.dpdk.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The process's memory as a benchmark reports it: RSS ({@code /proc/self/status} VmRSS), the DPDK
 * heap ({@code rte_malloc_get_socket_stats} summed over the sockets: rings, mempools, ports), the
 * JVM's native memory when Native Memory Tracking is on (its "Other" category holds what FFM arenas
 * allocate) and the Java heap after a GC.
 */
public final class MemoryFigures {
    /** struct rte_malloc_socket_stats: three size_t, free_count and alloc_count (unsigned), one size_t. */
    private static final int STATS_BYTES = 40;
    private static final int ALLOC_COUNT = 28;
    private static final int HEAP_ALLOCSZ = 32;
    private static final MethodHandle SOCKET_STATS = Native.downcall("rte_malloc_get_socket_stats",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SOCKET_COUNT = Native.downcall("rte_socket_count",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle SOCKET_ID_BY_IDX = Native.downcall("rte_socket_id_by_idx",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=(\\d+)KB, committed=(\\d+)KB");
    /** The JIT compilers' arenas: what they hold now and their high-water mark (NMT summary). */
    private static final Pattern NMT_COMPILER_ARENA = Pattern.compile(
            "-\\s+Compiler \\(reserved=\\d+KB, committed=\\d+KB\\)[^-]*?\\(arena=(\\d+)KB #\\d+\\) \\(peak=(\\d+)KB");
    private static final MethodHandle MALLOC_TRIM = Native.downcall("malloc_trim",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));

    private MemoryFigures() {
    }

    /**
     * -1 where a figure is not available (NMT off). {@code rssTrimmedBytes}: RSS once glibc returned
     * the free pages of its malloc arenas ({@code malloc_trim(0)}): what RSS holds beyond it is memory
     * freed but kept by glibc (the JIT compilers' arenas are the big user: {@code jitArenaPeakBytes}).
     */
    public record Snapshot(long rssBytes, long dpdkHeapBytes, long dpdkAllocations, long nmtCommittedBytes,
            long nmtOtherBytes, long heapUsedBytes, long rssTrimmedBytes, long heapCommittedBytes,
            long jitArenaPeakBytes) {
    }

    public static Snapshot take() {
        System.gc();
        java.lang.management.MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long[] dpdk = dpdkHeap();
        String nmtText = nmtSummary();
        long[] nmt = nmt(nmtText);
        long rss = rssBytes();
        mallocTrim();
        return new Snapshot(rss, dpdk[0], dpdk[1], nmt[0], nmt[1], heap.getUsed(), rssBytes(), heap.getCommitted(),
                jitArenaPeak(nmtText));
    }

    /** {@code malloc_trim(0)}: glibc gives the free pages of every malloc arena back to the kernel. */
    public static void mallocTrim() {
        try {
            int ignored = (int) MALLOC_TRIM.invokeExact(0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").strip()) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Bytes allocated from the DPDK heap and the number of allocations, over every socket. */
    public static long[] dpdkHeap() {
        long bytes = 0;
        long count = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stats = arena.allocate(STATS_BYTES, 8);
            int sockets = (int) SOCKET_COUNT.invokeExact();
            for (int i = 0; i < sockets; i++) {
                int socket = (int) SOCKET_ID_BY_IDX.invokeExact(i);
                stats.fill((byte) 0);
                if ((int) SOCKET_STATS.invokeExact(socket, stats) == 0) {
                    bytes += stats.get(ValueLayout.JAVA_LONG, HEAP_ALLOCSZ);
                    count += Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT, ALLOC_COUNT));
                }
            }
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return new long[] {bytes, count};
    }

    /** NMT's summary, or "" when it cannot be read. */
    static String nmtSummary() {
        try {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            return String.valueOf(text);
        } catch (Exception e) {
            return "";
        }
    }

    /** NMT's total committed and "Other" committed bytes, or -1 each when tracking is off. */
    static long[] nmt() {
        return nmt(nmtSummary());
    }

    /** The JIT compilers' arena high-water mark in NMT's summary (freed after each compile), or -1. */
    static long jitArenaPeak(String nmtSummary) {
        Matcher m = NMT_COMPILER_ARENA.matcher(nmtSummary);
        return m.find() ? Long.parseLong(m.group(2)) * 1024 : -1;
    }

    static long[] nmt(String s) {
        try {
            Matcher total = NMT_TOTAL.matcher(s);
            Matcher other = NMT_OTHER.matcher(s);
            if (!total.find()) {
                return new long[] {-1, -1};
            }
            return new long[] {Long.parseLong(total.group(2)) * 1024,
                other.find() ? Long.parseLong(other.group(2)) * 1024 : -1};
        } catch (Exception e) {
            return new long[] {-1, -1};
        }
    }

    static String kib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,d KiB", bytes / 1024);
    }
}
