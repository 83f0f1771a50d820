package io.cpumapd.cpumap;

import io.cpumapd.skb.SkbHandle;
import io.cpumapd.metrics.Counters;
import java.lang.foreign.Arena;

/**
 * The producer side of the cpumap for one thread ({@code bpf_redirect_map} + {@code xdp_do_flush}):
 * a bulk queue per target key, pushed when full and by {@link #flush()} at the end of every poll.
 * A full ring frees what it did not take and counts it as enqueue drops of that target; the
 * producer never blocks. Single-threaded, no allocation, one native call per bulk.
 */
public final class Redirector {
    /** Per-target counters, {@link #COUNTERS_PER_TARGET} per key: the {@code xdp_cpumap_enqueue} tracepoint. */
    public static final int ENQUEUED = 0;
    public static final int DROPS = 1;
    public static final int BULK_CALLS = 2;
    public static final int COUNTERS_PER_TARGET = 3;

    private final CpuMap map;
    private final BulkQueue[] queues;
    private final int[] dirtyKeys;
    private int dirtyCount;
    private final Counters counters;

    public Redirector(CpuMap map, Arena arena) {
        this.map = map;
        int n = map.maxEntries();
        this.queues = new BulkQueue[n];
        for (int i = 0; i < n; i++) {
            queues[i] = new BulkQueue(arena);
        }
        this.dirtyKeys = new int[n];
        this.counters = new Counters(n * COUNTERS_PER_TARGET);
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
            counters.add(key * COUNTERS_PER_TARGET + DROPS, n - sent);
        }
        counters.add(key * COUNTERS_PER_TARGET + ENQUEUED, sent);
        counters.increment(key * COUNTERS_PER_TARGET + BULK_CALLS);
        q.count = 0;
    }

    /** Any thread: counter {@code which} ({@link #ENQUEUED}, ...) of target {@code key}. */
    public long counter(int key, int which) {
        return counters.get(key * COUNTERS_PER_TARGET + which);
    }
}
