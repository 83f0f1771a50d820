package io.cpumapd.cpumap;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.skb.SkbHandle;
import java.lang.foreign.Arena;

/**
 * The producer side of the cpumap for one thread ({@code bpf_redirect_map} + {@code xdp_do_flush}):
 * a bulk queue per target key, pushed when full and by {@link #flush()} at the end of every poll.
 * A full ring frees what it did not take and counts it as enqueue drops of that target; the
 * producer never blocks. Single-threaded, no allocation, one native call per bulk.
 */
public final class Redirector {
    private static final int WIDTH = EnqueueCounter.values().length;
    private static final int ENQUEUED = EnqueueCounter.ENQUEUED.ordinal();
    private static final int DROPS = EnqueueCounter.DROPS.ordinal();
    private static final int BULK_CALLS = EnqueueCounter.BULK_CALLS.ordinal();

    private final CpuMap map;
    private final BulkQueue[] queues;
    private final int[] dirtyKeys;
    private int dirtyCount;
    private final CounterBlock counters;

    /** With a block of its own, not registered anywhere. */
    public Redirector(CpuMap map, Arena arena) {
        this(map, arena, new CounterBlock(WIDTH, map.maxEntries()));
    }

    /** @param counters an {@link EnqueueCounter} block with a row per key of {@code map} */
    public Redirector(CpuMap map, Arena arena, CounterBlock counters) {
        this.map = map;
        int n = map.maxEntries();
        this.queues = new BulkQueue[n];
        for (int i = 0; i < n; i++) {
            queues[i] = new BulkQueue(arena);
        }
        this.dirtyKeys = new int[n];
        if (counters.width() != WIDTH || counters.rows() != n) {
            throw new IllegalArgumentException("an enqueue block needs " + n + " rows of " + WIDTH);
        }
        this.counters = counters;
    }

    /**
     * Queues {@code handle} for the entry of {@code key}. Returns false when the key has no entry:
     * the handle is still the caller's, to treat with the redirect's fallback action.
     */
    public boolean redirect(int key, long handle) {
        if (key < 0 || key >= queues.length) {
            return false;
        }
        BulkQueue q = queues[key];
        if (!q.dirty) {
            // The first packet for this key since the last flush looks the entry up; the rest of the
            // poll reuses it. Per packet, the lookup reads the map's shared objects (their cache lines
            // may be written by other threads); per poll it is as safe: an update retires the old
            // entry only after this thread's next quiescent point, which comes after the flush.
            CpuMapEntry entry = map.entry(key);
            if (entry == null) {
                return false;
            }
            if (q.entry != entry) {
                // Replaced since this queue last pushed: the old one is still alive (no quiescent
                // point passed yet), so push to it before switching.
                push(q, key);
                q.entry = entry;
            }
            q.dirty = true;
            dirtyKeys[dirtyCount++] = key;
        }
        q.handles.set(q.count++, handle);
        if (q.count == BulkQueue.SIZE) {
            push(q, key);
        }
        return true;
    }

    /** End of a poll: pushes every non-empty bulk queue. */
    public void flush() {
        for (int i = 0; i < dirtyCount; i++) {
            int key = dirtyKeys[i];
            BulkQueue q = queues[key];
            push(q, key);
            q.dirty = false;
        }
        dirtyCount = 0;
    }

    private void push(BulkQueue q, int key) {
        int n = q.count;
        if (n == 0) {
            return;
        }
        int sent = q.entry.ring().enqueueBurst(q.handles, 0, n);
        if (sent < n) {
            SkbHandle.freeBulk(q.handles, sent, n - sent);
            counters.add(key * WIDTH + DROPS, n - sent);
        }
        counters.add(key * WIDTH + ENQUEUED, sent);
        counters.increment(key * WIDTH + BULK_CALLS);
        q.count = 0;
    }

    /** Any thread: counter {@code c} of target {@code key}, this producer's share. */
    public long counter(int key, EnqueueCounter c) {
        return counters.get(key, c.ordinal());
    }

    /** The block the producer writes: one row per key. */
    public CounterBlock counters() {
        return counters;
    }
}
