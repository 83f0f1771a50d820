package io.cpumapd.skb;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A fixed set of preallocated {@link SkBuff}s, addressed by index, with a free list.
 *
 * <p>Rings carry 64-bit handles: an mbuf pointer (at least 2-byte aligned, so bit 0 is 0) or, as the
 * kernel marks skb pointers, a tagged SkBuff index with bit 0 set ({@link #tag}). The free list is
 * single-threaded: only its owner thread may call {@link #acquire()} and {@link #release(int)}.
 */
public final class SkBuffPool {
    /** 12 bytes rounded up so each virtio_net_hdr starts 16-byte aligned. */
    static final int VNET_STRIDE_BYTES = 16;
    private static final long SKB_TAG_BIT = 1L;

    private final SkBuff[] skbs;
    private final int[] freeIndices;
    private final boolean[] free;
    private int freeCount;

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
        freeIndices = new int[size];
        free = new boolean[size];
        for (int i = 0; i < size; i++) {
            skbs[i] = new SkBuff(i, vnetHeaders.asSlice((long) i * VNET_STRIDE_BYTES, VNET_STRIDE_BYTES));
            // Pushed in reverse so acquire() hands out 0, 1, 2, ... first: easier to read in dumps.
            freeIndices[i] = size - 1 - i;
            free[i] = true;
        }
        freeCount = size;
    }

    /** The ring handle of SkBuff {@code index}: bit 0 set tells it from an mbuf pointer. */
    public static long tag(int index) {
        return ((long) index << 1) | SKB_TAG_BIT;
    }

    public static boolean isSkb(long handle) {
        return (handle & SKB_TAG_BIT) != 0;
    }

    public static int index(long handle) {
        return (int) (handle >>> 1);
    }

    public SkBuff get(int index) {
        return skbs[index];
    }

    public int size() {
        return skbs.length;
    }

    public int available() {
        return freeCount;
    }

    /** A free index, or -1 when all are in use (the caller drops and counts, as on an skb alloc failure). */
    public int acquire() {
        if (freeCount == 0) {
            return -1;
        }
        int index = freeIndices[--freeCount];
        free[index] = false;
        return index;
    }

    /**
     * Returns {@code index} to the free list.
     *
     * @throws IllegalStateException on a double release: a lifecycle bug, never caused by packet contents
     */
    public void release(int index) {
        if (free[index]) {
            throw new IllegalStateException("SkBuff " + index + " released twice");
        }
        free[index] = true;
        freeIndices[freeCount++] = index;
    }
}
