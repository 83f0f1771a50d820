package io.cpumapd.skb;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Ring;

/**
 * Ring handles. A ring slot carries either a plain {@code rte_mbuf *} or, for a packet whose SkBuff
 * was already built on the RX core (skb mode, the kernel's generic XDP), the same pointer with bit 0
 * set, as the kernel's cpumap marks skb pointers in its ptr_ring. mbufs are cache-line aligned, so
 * bit 0 of a real pointer is always 0. A tagged packet's virtio_net_hdr waits in the mbuf's private
 * area ({@code Mbuf.vnetHeaderAddress}); its bytes stay in the mbuf. Whoever frees a handle must
 * untag it first: {@code rte_pktmbuf_free} of a tagged pointer would corrupt the mempool.
 */
public final class SkbHandle {
    private static final long SKB_BIT = 1L;

    private SkbHandle() {
    }

    public static long tag(long mbuf) {
        return mbuf | SKB_BIT;
    }

    public static boolean isSkb(long handle) {
        return (handle & SKB_BIT) != 0;
    }

    /** The mbuf behind a handle of either kind. */
    public static long mbuf(long handle) {
        return handle & ~SKB_BIT;
    }

    /** Frees {@code n} handles of either kind from {@code from} on: untags them in place, then one bulk free. */
    public static void freeBulk(HandleArray handles, int from, int n) {
        for (int i = from; i < from + n; i++) {
            handles.set(i, handles.get(i) & ~SKB_BIT);
        }
        Mbuf.freeBulk(handles.address(from), n);
    }

    /**
     * Ring cleanup (the kernel's {@code __cpu_map_ring_cleanup}): empties {@code ring} and frees every
     * handle by its kind. Returns how many there were; after a proper drain that is 0.
     */
    public static int drainAndFree(Ring ring, HandleArray scratch) {
        int total = 0;
        int n;
        while ((n = ring.dequeueBurst(scratch, scratch.capacity())) > 0) {
            freeBulk(scratch, 0, n);
            total += n;
        }
        return total;
    }
}
