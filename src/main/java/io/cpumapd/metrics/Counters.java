package io.cpumapd.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A block of counters with one writer thread. The writer adds with opaque stores (a plain
 * {@code mov} on x86, but never hoisted out of a loop); readers (metrics, CLI) use opaque loads
 * and see each counter move forward without a lock. Padding on both sides keeps the block off
 * cache lines that other threads write.
 * (Agrona's CountersManager does the same over a shared buffer with labels; this stays a plain
 * array because the labels live in the enum that owns the indices.)
 */
public final class Counters {
    private static final int PAD_LONGS = 16; // 128 bytes: two cache lines, against adjacent-line prefetch
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values;
    private final int size;

    public Counters(int size) {
        this.size = size;
        this.values = new long[size + 2 * PAD_LONGS];
    }

    public int size() {
        return size;
    }

    /** Writer thread only. */
    public void increment(int index) {
        add(index, 1);
    }

    /** Writer thread only. */
    public void add(int index, long delta) {
        int i = PAD_LONGS + index;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    /** Any thread. */
    public long get(int index) {
        return (long) LONGS.getOpaque(values, PAD_LONGS + index);
    }
}
