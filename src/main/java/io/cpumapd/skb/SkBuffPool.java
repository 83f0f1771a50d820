package io.cpumapd.skb;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A fixed set of preallocated {@link SkBuff}s, addressed by index: one per batch slot of the thread
 * that owns the pool, reused batch after batch, so building an SkBuff allocates nothing. Ring
 * handles of built SkBuffs are {@link SkbHandle}s (the mbuf pointer with bit 0 set), not indices
 * into a pool.
 */
public final class SkBuffPool {
    /** 12 bytes rounded up so each virtio_net_hdr starts 16-byte aligned. */
    static final int VNET_STRIDE_BYTES = 16;

    private final SkBuff[] skbs;

    /**
     * @param arena owns the native area of the virtio_net_hdrs; it must outlive the pool (the area is
     *              written through absolute addresses, so a confined arena does not tie it to a thread)
     */
    public SkBuffPool(int size, Arena arena) {
        if (size <= 0) {
            throw new IllegalArgumentException("pool size must be positive: " + size);
        }
        MemorySegment vnetHeaders = arena.allocate((long) size * VNET_STRIDE_BYTES, VNET_STRIDE_BYTES);
        skbs = new SkBuff[size];
        for (int i = 0; i < size; i++) {
            skbs[i] = new SkBuff(i, vnetHeaders.asSlice((long) i * VNET_STRIDE_BYTES, VNET_STRIDE_BYTES));
        }
    }

    public SkBuff get(int index) {
        return skbs[index];
    }

    public int size() {
        return skbs.length;
    }
}
