package io.cpumapd.cpumap;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The producer side of the cpumap for one thread ({@code bpf_redirect_map} + {@code xdp_do_flush}):
 * a bulk queue per target key, pushed in bulks of {@link #BULK}: by {@link #redirect} when one fills,
 * by {@link #pushFull()} after a run of {@link #append}s (the RX worker's inner loop, which calls
 * nothing), and by {@link #flush()} at the end of every poll.
 * A full ring frees what it did not take and counts it as enqueue drops of that target; the
 * producer never blocks. Single-threaded, no allocation, one native call per bulk (enqueue and the
 * free of what did not fit together).
 */
public final class Redirector {
    private static final int WIDTH = EnqueueCounter.values().length;
    private static final int ENQUEUED = EnqueueCounter.ENQUEUED.ordinal();
    private static final int DROPS = EnqueueCounter.DROPS.ordinal();
    private static final int BULK_CALLS = EnqueueCounter.BULK_CALLS.ordinal();
    private static final MemorySegment ALL = Native.ALL;
    /** Handles per ring enqueue-burst (CPU_MAP_BULK_SIZE). */
    public static final int BULK = BulkQueue.SIZE;
    /** The most {@link #append}s allowed between two {@link #pushFull()}: an RX burst. */
    public static final int RUN = BulkQueue.CAPACITY - BULK;

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
        BulkQueue[] qs = queues;
        if (key < 0 || key >= qs.length) {
            return false;
        }
        BulkQueue q = qs[key];
        if (!q.dirty && !open(q, key)) {
            return false;
        }
        append(key, handle);
        if (q.count >= BULK) {
            pushBulks(q, key);
        }
        return true;
    }

    /**
     * The RX worker's inner loop (no call in it): appends {@code handle} to the bulk queue of {@code key}
     * if that queue is already open this poll, and returns true. It does not
     * push: the caller appends a run of at most {@link #RUN} handles, then calls {@link #pushFull()},
     * which pushes the full bulks of {@link #BULK} in order. Each bulk is pushed on its own, as when
     * it filled, only up to a run later. False: the key is out of range or its queue not open yet;
     * nothing changed, the caller takes {@link #redirect} (which looks the entry up).
     */
    public boolean append(int key, long handle) {
        BulkQueue[] qs = queues;
        if (key < 0 || key >= qs.length) {
            return false;
        }
        BulkQueue q = qs[key];
        if (!q.dirty) {
            return false;
        }
        int c = q.count;
        // c < BULK + RUN <= CAPACITY holds (pushFull leaves fewer than BULK, a run appends at most
        // RUN); the index mask keeps the store inside the array even so, for the price of an AND
        // instead of an index check. The address mask changes nothing (Native.ADDRESS_MASK) and
        // drops the store's bounds check.
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED,
                (q.address & Native.ADDRESS_MASK) + 8L * (c & (BulkQueue.CAPACITY - 1)), handle);
        q.count = c + 1;
        return true;
    }

    /**
     * For a loop that keeps a queue's count in a register: the native address of the bulk queue of
     * {@code key} if it is open this poll, else 0 (out of range or not open: take {@link #redirect}).
     * The caller stores handles at {@code address + 8 * (count & (CAPACITY - 1))} from
     * {@link #count(int)} on, then gives the new count back with {@link #setCount} before anything
     * else touches the queue; as with {@link #append}, at most {@link #RUN} per run.
     */
    public long openAddress(int key) {
        BulkQueue[] qs = queues;
        if (key < 0 || key >= qs.length) {
            return 0;
        }
        BulkQueue q = qs[key];
        return q.dirty ? q.address & Native.ADDRESS_MASK : 0;
    }

    /** Handles queued for {@code key} (valid after {@link #openAddress} returned an address). */
    public int count(int key) {
        return queues[key].count;
    }

    /** See {@link #openAddress}: the count after the caller's stores. */
    public void setCount(int key, int count) {
        queues[key].count = count;
    }

    /** Slots of a bulk queue (a power of two): the index mask of {@link #openAddress}'s stores. */
    public static final int CAPACITY = BulkQueue.CAPACITY;

    /**
     * After a run of {@link #append}s: pushes every full bulk of the queues open this poll, one ring
     * enqueue-burst of {@link #BULK} each, oldest first; fewer than {@link #BULK} stay queued.
     */
    public void pushFull() {
        for (int i = 0; i < dirtyCount; i++) {
            int key = dirtyKeys[i];
            BulkQueue q = queues[key];
            if (q.count >= BULK) {
                pushBulks(q, key);
            }
        }
    }

    private void pushBulks(BulkQueue q, int key) {
        int n = q.count;
        long a = q.address;
        int off = sendFullBulks(q, key, n);
        int rest = n - off;
        for (int i = 0; i < rest; i++) { // fewer than BULK: to the front, for the next bulk
            ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, a + 8L * i,
                    ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a + 8L * (off + i)));
        }
        q.count = rest;
    }

    /**
     * The first packet for this key since the last flush looks the entry up; the rest of the poll
     * reuses it. Per packet, the lookup reads the map's shared objects (their cache lines may be
     * written by other threads); per poll it is as safe: an update retires the old entry only after
     * this thread's next quiescent point, which comes after the flush. False: the key has no entry.
     */
    private boolean open(BulkQueue q, int key) {
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

    /** Pushes everything queued, {@link #BULK} per enqueue-burst (one native call each). */
    private void push(BulkQueue q, int key) {
        int n = q.count;
        if (n == 0) {
            return;
        }
        q.count = 0;
        int off = sendFullBulks(q, key, n);
        if (off < n) {
            send(q, key, q.address + 8L * off, n - off);
        }
    }

    /** Sends the first {@code n} handles of the queue in bulks of {@link #BULK}; returns where the rest (fewer) starts. */
    private int sendFullBulks(BulkQueue q, int key, int n) {
        long a = q.address;
        int off = 0;
        while (n - off >= BULK) {
            send(q, key, a + 8L * off, BULK);
            off += BULK;
        }
        return off;
    }

    /** One native call per bulk: the ring enqueue-burst, and the free of what a full ring did not take. */
    private void send(BulkQueue q, int key, long address, int n) {
        int sent = q.entry.ring().enqueueOrFree(address, n);
        int row = key * WIDTH;
        if (sent < n) {
            counters.add(row + DROPS, n - sent);
        }
        counters.add(row + ENQUEUED, sent);
        counters.increment(row + BULK_CALLS);
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
