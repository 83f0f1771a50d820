package io.cpumapd.dpdk;

import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Packets for one port, sent with one tx burst from a TX queue the owning thread holds alone.
 * What the driver does not take is freed and counted ({@link #dropped()}: the TX ring was full).
 * Single writer; the totals are read by others without a lock.
 */
public final class TxBuffer {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final Port port;
    private final int queue;
    private final HandleArray pending;
    private int count;
    private final long[] totals = new long[2]; // sent, dropped; written by the owner only

    public TxBuffer(Port port, int queue, int capacity, Arena arena) {
        this.port = port;
        this.queue = queue;
        this.pending = new HandleArray(arena, capacity);
    }

    /** Queues {@code m} (a whole chain) for the next burst; flushes first when full. */
    public void add(long m) {
        if (count == pending.capacity()) {
            flush();
        }
        pending.set(count++, m);
    }

    /** Sends what is queued; returns how many the driver took. */
    public int flush() {
        int n = count;
        if (n == 0) {
            return 0;
        }
        count = 0;
        int sent = port.txBurst(queue, pending, 0, n);
        if (sent < n) {
            Mbuf.freeBulk(pending.address(sent), n - sent);
            add(1, n - sent);
        }
        add(0, sent);
        return sent;
    }

    private void add(int i, long delta) {
        LONGS.setOpaque(totals, i, (long) LONGS.getOpaque(totals, i) + delta);
    }

    public int pending() {
        return count;
    }

    public Port port() {
        return port;
    }

    public int queue() {
        return queue;
    }

    /** Frames the driver took. */
    public long sent() {
        return (long) LONGS.getOpaque(totals, 0);
    }

    /** Frames the driver refused (ring full), freed. */
    public long dropped() {
        return (long) LONGS.getOpaque(totals, 1);
    }
}
