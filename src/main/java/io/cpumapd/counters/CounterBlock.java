package io.cpumapd.counters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A block of counters with one writer thread: {@code rows} rows of {@code width} counters (a row
 * per target cpu for a producer's enqueue counters, one row for most owners). The writer adds with
 * opaque stores (a plain {@code mov} on x86, but never hoisted out of a loop); readers (metrics,
 * CLI) use opaque loads and see each counter move forward without a lock. Padding on both sides
 * keeps the block off cache lines that other threads write.
 *
 * <p>Why not Agrona's {@code CountersManager}/{@code AtomicBuffer}: it allocates counters one by
 * one out of one shared buffer with a label per counter, built for counters other processes read
 * through a file. Ours are read in-process only, are allocated and retired as a whole block per
 * thread, and take their labels from the descriptor enums; a padded {@code long[]} per block says
 * that with less machinery and keeps the writer's own counters on its own cache lines.
 */
public final class CounterBlock {
    private static final int PAD_LONGS = 16; // 128 bytes: two cache lines, against adjacent-line prefetch
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values;
    private final int width;
    private final int rows;

    /** One row of {@code width} counters. */
    public CounterBlock(int width) {
        this(width, 1);
    }

    public CounterBlock(int width, int rows) {
        this.width = width;
        this.rows = rows;
        this.values = new long[width * rows + 2 * PAD_LONGS];
    }

    /** A block for one row of {@code descriptors}' counters. */
    public static CounterBlock of(CounterDescriptor[] descriptors) {
        return new CounterBlock(descriptors.length, 1);
    }

    public int width() {
        return width;
    }

    public int rows() {
        return rows;
    }

    public int size() {
        return width * rows;
    }

    /** Writer thread only. */
    public void increment(int index) {
        add(index, 1);
    }

    /** Writer thread only: {@code index} is {@code row * width + column}. */
    public void add(int index, long delta) {
        int i = PAD_LONGS + index;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    /** Any thread. */
    public long get(int index) {
        return (long) LONGS.getOpaque(values, PAD_LONGS + index);
    }

    /** Any thread. */
    public long get(int row, int column) {
        return get(row * width + column);
    }
}
