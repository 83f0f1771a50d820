package io.cpumapd.counters;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The totals of one counter set over every thread that ever wrote it: the live blocks registered
 * by the threads as they start, plus the sums of retired blocks. A block covers rows
 * {@code firstRow .. firstRow + block.rows() - 1} of the set (an RX worker its own row, a
 * producer every target cpu). Retiring folds a block into the totals under the same lock readers
 * take, so a total never goes backwards and memory does not grow with thread churn. Control path
 * only: the writers never take the lock.
 */
public final class CounterGroup<E extends Enum<E> & CounterDescriptor> {
    private final String name;
    private final E[] descriptors;
    private final int rows;
    private final IntFunction<String[]> rowTags;
    private final long[][] retired;
    private final List<Live> live = new ArrayList<>();

    private record Live(CounterBlock block, int firstRow) {
    }

    CounterGroup(String name, Class<E> type, int rows, IntFunction<String[]> rowTags) {
        this.name = name;
        this.descriptors = type.getEnumConstants();
        this.rows = rows;
        this.rowTags = rowTags;
        this.retired = new long[rows][descriptors.length];
    }

    /** The set's name ({@code rx}, {@code enqueue}, ...). */
    public String name() {
        return name;
    }

    public E[] descriptors() {
        return descriptors.clone();
    }

    public int rows() {
        return rows;
    }

    /** The metric labels of a row, as name, value pairs ({@code worker, rx0, cpu, 1}). */
    public String[] rowTags(int row) {
        return rowTags.apply(row);
    }

    /** A new block for rows {@code firstRow ..}, registered: its counts show in the totals from now on. */
    public CounterBlock newBlock(int firstRow, int blockRows) {
        CounterBlock b = new CounterBlock(descriptors.length, blockRows);
        register(b, firstRow);
        return b;
    }

    /** Registers a block a thread made itself; a block outside the set's rows is ignored. */
    public synchronized void register(CounterBlock b, int firstRow) {
        if (b.width() != descriptors.length) {
            throw new IllegalArgumentException(name + ": block of width " + b.width() + ", set has "
                    + descriptors.length);
        }
        if (firstRow >= 0 && firstRow + b.rows() <= rows) {
            live.add(new Live(b, firstRow));
        }
    }

    /** The block's writer has stopped: its counts move into the totals, the block is forgotten. */
    public synchronized void retire(CounterBlock b) {
        for (int i = 0; i < live.size(); i++) {
            Live l = live.get(i);
            if (l.block == b) {
                for (int r = 0; r < b.rows(); r++) {
                    for (int c = 0; c < descriptors.length; c++) {
                        retired[l.firstRow + r][c] += b.get(r, c);
                    }
                }
                live.remove(i);
                return;
            }
        }
    }

    /** Counter {@code d} of {@code row}, summed over every block that ever covered the row. */
    public synchronized long get(E d, int row) {
        return sum(row, d.ordinal());
    }

    /** Every counter of {@code row}, indexed by ordinal, read under one lock. */
    public synchronized long[] row(int row) {
        long[] out = new long[descriptors.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = sum(row, c);
        }
        return out;
    }

    private long sum(int row, int column) {
        long s = retired[row][column];
        for (Live l : live) {
            int r = row - l.firstRow;
            if (r >= 0 && r < l.block.rows()) {
                s += l.block.get(r, column);
            }
        }
        return s;
    }
}
