package io.cpumapd.filter;

/** Picking a cpumap key out of a {@link TargetSet} snapshot. */
final class Targets {
    private Targets() {
    }

    /**
     * {@code keys[index % keys.length]}; key 0 for an empty set, which the pipeline turns into
     * ABORTED (a redirect error) when key 0 has no entry, as the kernel does for an empty slot.
     */
    static int pick(int[] keys, int index) {
        int n = keys.length;
        if (n == 0) {
            return 0;
        }
        return keys[index < n ? index : Integer.remainderUnsigned(index, n)];
    }
}
