package io.cpumapd.dpdk;

import java.lang.foreign.Arena;

/**
 * Free mbufs kept at hand by one thread that builds packets (segmentation on the return path):
 * taken one at a time, refilled from the mempool in bulk, so building a frame makes no
 * per-mbuf native call. Not thread-safe; {@link #close()} gives the rest back.
 */
public final class MbufStash implements AutoCloseable {
    private static final int[] REFILL_SIZES = {0, 8, 1}; // 0 stands for the whole capacity

    private final Mempool pool;
    private final HandleArray stash;
    private int count;
    private long refillFailures;

    public MbufStash(Mempool pool, int capacity, Arena arena) {
        this.pool = pool;
        this.stash = new HandleArray(arena, capacity);
    }

    /** A fresh (reset) mbuf, or 0 when the mempool has none left. */
    public long take() {
        if (count == 0 && !refill()) {
            return 0;
        }
        return stash.get(--count);
    }

    /** Gives back an mbuf {@link #take()} returned and nobody else saw (a build that failed part-way). */
    public void putBack(long m) {
        if (count < stash.capacity()) {
            stash.set(count++, m);
        } else {
            Mbuf.free(m);
        }
    }

    private boolean refill() {
        for (int size : REFILL_SIZES) {
            int n = size == 0 ? stash.capacity() : Math.min(size, stash.capacity());
            if (Mbuf.allocBulk(pool, stash, n)) {
                count = n;
                return true;
            }
        }
        refillFailures++;
        return false;
    }

    /** Mbufs held right now (they count as in use in the mempool). */
    public int held() {
        return count;
    }

    /** Times the mempool could not give even one mbuf. */
    public long refillFailures() {
        return refillFailures;
    }

    @Override
    public void close() {
        Mbuf.freeBulk(stash, count);
        count = 0;
    }
}
