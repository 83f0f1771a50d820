package io.cpumapd.filter;

import io.cpumapd.counters.CounterBlock;

/**
 * Per-source state of {@code rate-limit}: open addressing with linear probing over a power-of-two
 * table, at most {@link #PROBE_LIMIT} slots per lookup, so memory and time per packet are bounded
 * whatever the traffic. Slots are never emptied, only reused, so a lookup may stop at the first free
 * slot. Each slot holds the source address and three GCRA buckets as "theoretical arrival times"
 * (one long each, no division per packet): all packets, SYNs, UDP. One writer thread.
 */
final class SourceTable {
    static final int PROBE_LIMIT = 8;
    /** {@link #slot} results when no slot is given to a new source. */
    static final int FULL_DROP = -1;
    static final int FULL_UNTRACKED = -2;

    enum Eviction { LRU, DROP_NEW, PASS_NEW }

    private final int mask;
    private final int probes;
    private final Eviction eviction;
    private final long seed;
    private final CounterBlock counters;
    private final boolean[] used;
    private final long[] keyHi, keyLo, lastSeenNs;
    final long[] tatAllNs, tatSynNs, tatUdpNs;
    private int occupied;

    SourceTable(int size, Eviction eviction, long seed, CounterBlock counters) {
        this.mask = size - 1;
        this.probes = Math.min(PROBE_LIMIT, size);
        this.eviction = eviction;
        this.seed = seed;
        this.counters = counters;
        used = new boolean[size];
        keyHi = new long[size];
        keyLo = new long[size];
        lastSeenNs = new long[size];
        tatAllNs = new long[size];
        tatSynNs = new long[size];
        tatUdpNs = new long[size];
    }

    int size() {
        return mask + 1;
    }

    /** Slots in use; never above {@link #size()}. */
    int occupied() {
        return occupied;
    }

    /** The slot of source {@code hi:lo}, claimed if new; or {@link #FULL_DROP} / {@link #FULL_UNTRACKED}. */
    int slot(long hi, long lo, long nowNs) {
        int start = hash(hi, lo);
        int oldest = -1;
        int idle = -1;
        for (int k = 0; k < probes; k++) {
            int i = (start + k) & mask;
            if (!used[i]) {
                used[i] = true;
                occupied++;
                return claim(i, hi, lo, nowNs);
            }
            if (keyHi[i] == hi && keyLo[i] == lo) {
                lastSeenNs[i] = nowNs;
                return i;
            }
            if (idle < 0 && tatAllNs[i] <= nowNs && tatSynNs[i] <= nowNs && tatUdpNs[i] <= nowNs) {
                idle = i;
            }
            if (oldest < 0 || lastSeenNs[i] < lastSeenNs[oldest]) {
                oldest = i;
            }
        }
        if (idle >= 0) {
            counters.increment(RateLimitCounter.RECYCLED.ordinal());
            return claim(idle, hi, lo, nowNs);
        }
        return switch (eviction) {
            case LRU -> {
                counters.increment(RateLimitCounter.EVICTIONS.ordinal());
                yield claim(oldest, hi, lo, nowNs);
            }
            case DROP_NEW -> FULL_DROP;
            case PASS_NEW -> FULL_UNTRACKED;
        };
    }

    private int claim(int i, long hi, long lo, long nowNs) {
        keyHi[i] = hi;
        keyLo[i] = lo;
        lastSeenNs[i] = nowNs;
        tatAllNs[i] = nowNs;
        tatSynNs[i] = nowNs;
        tatUdpNs[i] = nowNs;
        return i;
    }

    private int hash(long hi, long lo) {
        // A per-table random seed: a sender cannot pick addresses that all fall in one probe window.
        long h = (hi * 0x9E3779B97F4A7C15L) ^ lo ^ seed;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & mask;
    }

    /**
     * GCRA: admits a packet when the bucket's theoretical arrival time is at most {@code toleranceNs}
     * ahead of now, then advances it by one emission interval. A refused packet takes no credit.
     */
    static boolean admit(long[] tat, int i, long nowNs, long intervalNs, long toleranceNs) {
        long t = Math.max(tat[i], nowNs);
        if (t - nowNs > toleranceNs) {
            return false;
        }
        tat[i] = t + intervalNs;
        return true;
    }
}
