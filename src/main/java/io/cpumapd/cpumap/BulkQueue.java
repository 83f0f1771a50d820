package io.cpumapd.cpumap;

import io.cpumapd.dpdk.HandleArray;
import java.lang.foreign.Arena;

/**
 * The kernel's {@code xdp_bulk_queue}: handles one producer thread collected for one entry, pushed
 * {@link #SIZE} per ring enqueue-burst. It holds up to {@link #CAPACITY}: the RX worker's inner loop
 * appends a whole run of a burst without stopping, and the full bulks are pushed right after the run
 * ({@link Redirector#pushFull()}).
 */
final class BulkQueue {
    /** CPU_MAP_BULK_SIZE. */
    static final int SIZE = 8;
    /**
     * Room for a run of a burst (at most 32 packets) on top of fewer than {@link #SIZE} left from the
     * last push; a power of two, so an index mask keeps every append inside.
     */
    static final int CAPACITY = 64;

    final HandleArray handles;
    /** Native address of {@link #handles}: the per-packet append stores there directly. */
    final long address;
    CpuMapEntry entry;
    int count;
    boolean dirty;

    BulkQueue(Arena arena) {
        this.handles = new HandleArray(arena, CAPACITY);
        this.address = handles.address(0);
    }
}
