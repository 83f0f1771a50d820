package io.cpumapd.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/** Bytes allocated by given threads, and GC activity of the JVM, between two points of a run. */
public final class HotThreads {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private HotThreads() {
    }

    /** Bytes each thread has allocated so far (-1 for a thread that is gone). */
    public static long[] allocatedBytes(long[] threadIds) {
        return THREADS.getThreadAllocatedBytes(threadIds);
    }

    /** CPU time of one thread in ns (-1 when it is gone). */
    public static long cpuTimeNs(long threadId) {
        return THREADS.getThreadCpuTime(threadId);
    }

    public static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    public static long gcTimeMs() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }
}
