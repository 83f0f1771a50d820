package io.cpumapd.dpdk;

import java.util.Arrays;

/** {@code struct rte_eth_stats}: port totals and the first 16 queues' counters. */
public record PortStats(long rxPackets, long txPackets, long rxBytes, long txBytes, long rxMissed, long rxErrors,
        long txErrors, long rxNoMbuf, long[] queueRxPackets, long[] queueTxPackets, long[] queueRxBytes,
        long[] queueTxBytes, long[] queueErrors) {
    /** RTE_ETHDEV_QUEUE_STAT_CNTRS. */
    public static final int QUEUE_STAT_COUNTERS = 16;

    static PortStats of(long[] w) {
        int q = QUEUE_STAT_COUNTERS;
        return new PortStats(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], Arrays.copyOfRange(w, 8, 8 + q),
                Arrays.copyOfRange(w, 8 + q, 8 + 2 * q), Arrays.copyOfRange(w, 8 + 2 * q, 8 + 3 * q),
                Arrays.copyOfRange(w, 8 + 3 * q, 8 + 4 * q), Arrays.copyOfRange(w, 8 + 4 * q, 8 + 5 * q));
    }
}
