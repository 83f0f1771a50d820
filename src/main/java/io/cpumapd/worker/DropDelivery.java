package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import java.lang.foreign.Arena;

/**
 * PASS without a kernel behind it: counts and frees in bulk. The remote action {@code drop} of
 * {@code xdp-bench redirect-cpu}, and a stand-in wherever no TAP is configured.
 */
public final class DropDelivery implements Delivery {
    private final HandleArray pending;
    private final CounterBlock counters = new CounterBlock(1);
    private int count;

    public DropDelivery(Arena arena, int capacity) {
        this.pending = new HandleArray(arena, capacity);
    }

    @Override
    public boolean pass(long mbuf) {
        if (count == pending.capacity()) {
            flush();
        }
        pending.set(count++, mbuf);
        return true;
    }

    @Override
    public int flush() {
        if (count > 0) {
            Mbuf.freeBulk(pending, count);
            counters.add(0, count);
            count = 0;
        }
        return 0;
    }

    /** Any thread: packets taken so far. */
    public long packets() {
        return counters.get(0);
    }
}
