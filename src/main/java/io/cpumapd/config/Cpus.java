package io.cpumapd.config;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * The CPUs of this machine and of this process. Not {@link Runtime#availableProcessors()}: that reads
 * the calling thread's affinity, which {@code rte_eal_init} narrows to the main lcore.
 */
public final class Cpus {
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
    /** Bytes of mask asked for: 8192 CPUs, as glibc's CPU_SETSIZE is 1024 and the kernel's NR_CPUS at most 8192. */
    private static final int MASK_BYTES = 1024;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SCHED_GETAFFINITY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_getaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    /**
     * The process's CPU set (cpuset of a container, {@code taskset}, systemd's {@code CPUAffinity=}), read
     * once when this class loads: later the EAL and the hot threads narrow their own threads' masks.
     */
    private static final BitSet PROCESS = readProcessMask();

    private Cpus() {
    }

    public static BitSet online() {
        try {
            return parseList(Files.readString(ONLINE).strip());
        } catch (IOException e) {
            BitSet all = new BitSet();
            all.set(0, Runtime.getRuntime().availableProcessors());
            return all;
        }
    }

    /**
     * The CPUs this process may run threads on: online and in its affinity mask. A hot thread pinned
     * anywhere else fails, so configurations and cpumap updates are checked against this set.
     */
    public static BitSet usable() {
        BitSet set = online();
        if (PROCESS != null) {
            set.and(PROCESS);
        }
        return set;
    }

    /**
     * The mask of the process's first thread (pid = tid of the thread the launcher started in), which
     * nothing in cpumapd re-pins; null when it cannot be read.
     */
    private static BitSet readProcessMask() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES);
            int pid = (int) ProcessHandle.current().pid();
            // glibc's wrapper returns 0 (not the kernel's byte count) and zeroes the rest of the mask
            int ret = (int) SCHED_GETAFFINITY.invokeExact(pid, (long) MASK_BYTES, mask);
            if (ret != 0) {
                return null;
            }
            BitSet set = BitSet.valueOf(mask.toArray(ValueLayout.JAVA_BYTE));
            return set.isEmpty() ? null : set;
        } catch (Throwable t) {
            return null;
        }
    }

    /** Parses a kernel CPU list such as {@code 0-3,6,8-9}. */
    public static BitSet parseList(String list) {
        BitSet set = new BitSet();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.strip().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            set.set(from, to + 1);
        }
        return set;
    }

    /** A CPU set in the kernel's list format, e.g. {@code 0-3,6}. */
    public static String list(BitSet cpus) {
        StringBuilder sb = new StringBuilder();
        for (int from = cpus.nextSetBit(0); from >= 0; ) {
            int to = cpus.nextClearBit(from) - 1;
            sb.append(sb.isEmpty() ? "" : ",").append(from).append(to > from ? "-" + to : "");
            from = cpus.nextSetBit(to + 1);
        }
        return sb.toString();
    }
}
