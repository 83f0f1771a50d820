package io.cpumapd.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A preallocated native array of 64-bit handles (mbuf pointers, or tagged SkBuff handles):
 * what burst calls read and fill. One per thread and purpose, allocated once.
 */
public final class HandleArray {
    private final MemorySegment segment;
    private final int capacity;

    public HandleArray(Arena arena, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity " + capacity + " must be positive");
        }
        this.segment = arena.allocate(ValueLayout.JAVA_LONG, capacity);
        this.capacity = capacity;
    }

    public long get(int i) {
        return segment.getAtIndex(ValueLayout.JAVA_LONG, i);
    }

    public void set(int i, long handle) {
        segment.setAtIndex(ValueLayout.JAVA_LONG, i, handle);
    }

    public int capacity() {
        return capacity;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Native address of element {@code i}: burst calls take it, so resuming part-way allocates nothing. */
    public long address(int i) {
        return segment.address() + (long) i * Long.BYTES;
    }
}
