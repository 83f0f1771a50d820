package io.cpumapd.pipeline;

import java.util.BitSet;

/**
 * TX queue numbers lent to threads: a DPDK TX queue must have one sender at a time, and during a
 * cpumap update the draining consumer and its successor both run. Control path only (thread start
 * and end), hence the lock.
 */
final class TxLanes {
    private final BitSet used = new BitSet();
    private final int count;

    TxLanes(int count) {
        this.count = count;
    }

    /** A free lane, or -1 when all are lent (that thread then cannot send out DPDK ports). */
    synchronized int acquire() {
        int lane = used.nextClearBit(0);
        if (lane >= count) {
            return -1;
        }
        used.set(lane);
        return lane;
    }

    synchronized void release(int lane) {
        if (lane >= 0) {
            used.clear(lane);
        }
    }

    synchronized int inUse() {
        return used.cardinality();
    }
}
