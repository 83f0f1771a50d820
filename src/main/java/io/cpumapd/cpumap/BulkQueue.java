package io.cpumapd.cpumap;

import io.cpumapd.dpdk.HandleArray;
import java.lang.foreign.Arena;

/**
 * The kernel's {@code xdp_bulk_queue}: up to {@link #SIZE} handles one producer thread collected
 * for one entry, pushed with one ring enqueue-burst.
 */
final class BulkQueue {
    /** CPU_MAP_BULK_SIZE. */
    static final int SIZE = 8;

    final HandleArray handles;
    /** Native address of {@link #handles}: the per-packet append stores there directly. */
    final long address;
    CpuMapEntry entry;
    int count;
    boolean dirty;

    BulkQueue(Arena arena) {
        this.handles = new HandleArray(arena, SIZE);
        this.address = handles.address(0);
    }
}
