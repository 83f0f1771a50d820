package io.cpumapd.bench;

/**
 * Counters of one pipeline at one instant, per stage, in the shape of the kernel's tracepoints:
 * RX ({@code xdp_redirect}), enqueue per target ({@code xdp_cpumap_enqueue}) and consumer per
 * target ({@code xdp_cpumap_kthread}). Arrays are indexed by position in the {@code -c} list.
 */
public record StageSnapshot(long timeNs, long rx, long redirect, long redirectErrors, long rxDrops,
        long[] enqueued, long[] enqueueDrops, long[] bulks, long[] processed, long[] consumerDrops, long[] sched,
        long[] pass, long[] drop, long[] redirected, long[] exceptions) {

    public static StageSnapshot empty(long timeNs, int targets) {
        return new StageSnapshot(timeNs, 0, 0, 0, 0, new long[targets], new long[targets], new long[targets],
                new long[targets], new long[targets], new long[targets], new long[targets], new long[targets],
                new long[targets], new long[targets]);
    }

    public int targets() {
        return enqueued.length;
    }

    public static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    public long enqueuedTotal() {
        return sum(enqueued);
    }

    public long processedTotal() {
        return sum(processed);
    }

    /** err+drop of xdp-bench's summary line: RX drops and aborts, redirect errors, enqueue drops, delivery drops. */
    public long errorsAndDrops() {
        return rxDrops + redirectErrors + sum(enqueueDrops) + sum(consumerDrops) + sum(exceptions);
    }
}
