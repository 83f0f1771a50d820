package io.cpumapd.filter;

import java.util.Arrays;

/**
 * The cpumap keys an RX filter spreads packets over. The daemon keeps it equal to the configured
 * (live) cpumap entries; filters read {@link #keys()} once per packet. Replacing the set publishes a
 * fresh array through a volatile field, so a reader sees either the old or the new set, never a mix,
 * and the hot path takes no lock and allocates nothing.
 */
public final class TargetSet {
    private static final int[] NONE = new int[0];

    private volatile int[] keys;

    public TargetSet(int... keys) {
        this.keys = checked(keys);
    }

    public static TargetSet of(int... keys) {
        return new TargetSet(keys);
    }

    /** Replaces the set (control thread); the order is the order filters index into. */
    public void set(int... keys) {
        this.keys = checked(keys);
    }

    /** The current keys. Shared, not copied: callers must not modify the array. */
    public int[] keys() {
        return keys;
    }

    public int size() {
        return keys.length;
    }

    private static int[] checked(int[] keys) {
        if (keys == null || keys.length == 0) {
            return NONE;
        }
        for (int key : keys) {
            if (key < 0) {
                throw new IllegalArgumentException("cpumap keys are CPU numbers, not negative: " + key);
            }
        }
        return keys.clone();
    }

    @Override
    public String toString() {
        return Arrays.toString(keys);
    }
}
