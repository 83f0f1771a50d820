package io.cpumapd.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A preallocated native array of 64-bit handles (mbuf pointers, or tagged SkBuff handles):
 * what burst calls read and fill. One per thread and purpose, allocated once.
 */
public final class HandleArray {
    private static final MemorySegment ALL = Native.ALL;
    private static final long CACHE_LINE = 64;

    private final MemorySegment segment;
    private final long address;
    private final int capacity;

    public HandleArray(Arena arena, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity " + capacity + " must be positive");
        }
        // Whole cache lines of its own: one thread writes the array per burst, and a neighbour on a shared
        // line (another thread's array from the same malloc arena) would bounce that line between cores.
        long bytes = (8L * capacity + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
        this.segment = arena.allocate(bytes, CACHE_LINE).asSlice(0, 8L * capacity);
        this.address = segment.address();
        this.capacity = capacity;
    }

    // Hot paths read and write every handle: through the address and the constant all-memory segment,
    // the JIT keeps one index check; through the instance segment it re-checks its class, bounds,
    // alignment and session on every access (some thirty instructions each). The arena outlives every
    // user of the array (it belongs to the thread or pipeline that owns both).
    public long get(int i) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address + 8L * Objects.checkIndex(i, capacity));
    }

    public void set(int i, long handle) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, address + 8L * Objects.checkIndex(i, capacity), handle);
    }

    public int capacity() {
        return capacity;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Native address of element {@code i}: burst calls take it, so resuming part-way allocates nothing. */
    public long address(int i) {
        return address + (long) i * Long.BYTES;
    }
}
