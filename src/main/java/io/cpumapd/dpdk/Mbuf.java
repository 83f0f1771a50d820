package io.cpumapd.dpdk;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code struct rte_mbuf} read and written in place. An mbuf is its address ({@code long});
 * the field offsets come from the shim once, as constants the JIT folds, so reading packet
 * metadata is a plain memory load: no downcall, no allocation.
 */
public final class Mbuf {
    public static final int STRUCT_SIZE = Native.constantU32("cpm_mbuf_size");
    public static final int HEADROOM = Native.constantU32("cpm_pktmbuf_headroom");
    private static final long OFF_BUF_ADDR = Native.constantU32("cpm_mbuf_off_buf_addr");
    private static final long OFF_DATA_OFF = Native.constantU32("cpm_mbuf_off_data_off");
    private static final long OFF_NB_SEGS = Native.constantU32("cpm_mbuf_off_nb_segs");
    private static final long OFF_PORT = Native.constantU32("cpm_mbuf_off_port");
    private static final long OFF_OL_FLAGS = Native.constantU32("cpm_mbuf_off_ol_flags");
    private static final long OFF_PACKET_TYPE = Native.constantU32("cpm_mbuf_off_packet_type");
    private static final long OFF_PKT_LEN = Native.constantU32("cpm_mbuf_off_pkt_len");
    private static final long OFF_DATA_LEN = Native.constantU32("cpm_mbuf_off_data_len");
    private static final long OFF_VLAN_TCI = Native.constantU32("cpm_mbuf_off_vlan_tci");
    private static final long OFF_HASH_RSS = Native.constantU32("cpm_mbuf_off_hash_rss");
    private static final long OFF_BUF_LEN = Native.constantU32("cpm_mbuf_off_buf_len");
    private static final long OFF_NEXT = Native.constantU32("cpm_mbuf_off_next");

    /**
     * cpumapd's metadata, in the mempool's private area right after {@code struct rte_mbuf} (every
     * {@link Mempool} reserves it): what a filter sets travels with the packet through the ring.
     */
    public static final int META_SIZE = 40;
    private static final long META_MARK = 0;
    private static final long META_USER = 4;
    private static final long META_QUEUE = 8;
    private static final long META_TIMESTAMP = 16;
    /** Room for the virtio_net_hdr of an SkBuff built on the RX core (skb mode), 12 bytes used. */
    private static final long META_VNET = 24;
    public static final int META_VNET_BYTES = 16;

    private static final MemorySegment M = Native.ALL;
    private static final long MASK = Native.ADDRESS_MASK;
    // Unaligned layouts: the fields are aligned anyway, and an aligned layout costs an alignment check
    // per access on the RX hot path (x86 loads and stores unaligned at no extra cost).
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private static final MethodHandle ALLOC_BULK = Native.criticalDowncall("cpm_mbuf_alloc_bulk",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER, Native.POINTER, ValueLayout.JAVA_INT));
    private static final MethodHandle FREE_BULK = Native.criticalDowncall("cpm_mbuf_free_bulk",
            FunctionDescriptor.ofVoid(Native.POINTER, ValueLayout.JAVA_INT));
    private static final MethodHandle FREE = Native.criticalDowncall("cpm_mbuf_free",
            FunctionDescriptor.ofVoid(Native.POINTER));

    private Mbuf() {
    }

    /** Address of the first data byte: {@code buf_addr + data_off}. */
    public static long dataAddress(long m) {
        // Masked (a no-op, see Native.ADDRESS_MASK): parsers reading at data + offset keep no bounds check.
        return (M.get(U64, (m & MASK) + OFF_BUF_ADDR) + dataOffset(m)) & MASK;
    }

    public static int dataOffset(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + OFF_DATA_OFF));
    }

    /** Bytes of this segment. */
    public static int dataLength(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + OFF_DATA_LEN));
    }

    /** Bytes of the whole packet, all segments. */
    public static int packetLength(long m) {
        return M.get(U32, (m & MASK) + OFF_PKT_LEN);
    }

    public static int segments(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + OFF_NB_SEGS));
    }

    public static int bufferLength(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + OFF_BUF_LEN));
    }

    /** Room after the data in this buffer. */
    public static int tailroom(long m) {
        return bufferLength(m) - dataOffset(m) - dataLength(m);
    }

    public static int port(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + OFF_PORT));
    }

    public static long olFlags(long m) {
        return M.get(U64, (m & MASK) + OFF_OL_FLAGS);
    }

    public static int packetType(long m) {
        return M.get(U32, (m & MASK) + OFF_PACKET_TYPE);
    }

    public static int rssHash(long m) {
        return M.get(U32, (m & MASK) + OFF_HASH_RSS);
    }

    public static int vlanTci(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + OFF_VLAN_TCI));
    }

    public static int mark(long m) {
        return M.get(U32, (m & MASK) + STRUCT_SIZE + META_MARK);
    }

    public static void setMark(long m, int mark) {
        M.set(U32, (m & MASK) + STRUCT_SIZE + META_MARK, mark);
    }

    public static int userValue(long m) {
        return M.get(U32, (m & MASK) + STRUCT_SIZE + META_USER);
    }

    public static void setUserValue(long m, int value) {
        M.set(U32, (m & MASK) + STRUCT_SIZE + META_USER, value);
    }

    /** The RX queue the packet came in on. */
    public static int queue(long m) {
        return Short.toUnsignedInt(M.get(U16, (m & MASK) + STRUCT_SIZE + META_QUEUE));
    }

    /** RX timestamp in ns ({@link System#nanoTime()} base), 0 when not taken. */
    public static long timestampNs(long m) {
        return M.get(U64, (m & MASK) + STRUCT_SIZE + META_TIMESTAMP);
    }

    /** Where an SkBuff built on the RX core (skb mode) leaves its virtio_net_hdr for the consumer. */
    public static long vnetHeaderAddress(long m) {
        return m + STRUCT_SIZE + META_VNET;
    }

    /** The whole metadata area of a packet: mark and user value in one store, queue, RX time. */
    public static void writeMeta(long m, int mark, int userValue, int queue, long timestampNs) {
        long meta = (m & MASK) + STRUCT_SIZE;
        M.set(U64, meta + META_MARK, (mark & 0xffffffffL) | ((long) userValue << 32));
        M.set(U16, meta + META_QUEUE, (short) queue);
        M.set(U64, meta + META_TIMESTAMP, timestampNs);
    }

    /**
     * Moves the start of data by {@code delta} bytes (negative grows into the headroom, like
     * {@code bpf_xdp_adjust_head}) and fixes both lengths; the change stays inside the first segment.
     */
    public static void adjustHead(long m, int delta) {
        M.set(U16, (m & MASK) + OFF_DATA_OFF, (short) (dataOffset(m) + delta));
        M.set(U16, (m & MASK) + OFF_DATA_LEN, (short) (dataLength(m) - delta));
        M.set(U32, (m & MASK) + OFF_PKT_LEN, packetLength(m) - delta);
    }

    /** The next segment of a chain, 0 after the last. */
    public static long next(long m) {
        return M.get(U64, (m & MASK) + OFF_NEXT);
    }

    /** Address where the data room starts: {@code buf_addr + RTE_PKTMBUF_HEADROOM} for a fresh mbuf. */
    public static long bufferAddress(long m) {
        return M.get(U64, (m & MASK) + OFF_BUF_ADDR);
    }

    // Building chains (the return path's segmentation): each setter writes one field.

    public static void setNext(long m, long next) {
        M.set(U64, (m & MASK) + OFF_NEXT, next);
    }

    public static void setDataLength(long m, int length) {
        M.set(U16, (m & MASK) + OFF_DATA_LEN, (short) length);
    }

    public static void setPacketLength(long m, int length) {
        M.set(U32, (m & MASK) + OFF_PKT_LEN, length);
    }

    public static void setSegments(long m, int segments) {
        M.set(U16, (m & MASK) + OFF_NB_SEGS, (short) segments);
    }

    public static void setPort(long m, int port) {
        M.set(U16, (m & MASK) + OFF_PORT, (short) port);
    }

    /** Sets data_len and pkt_len of a single-segment mbuf. */
    public static void setLength(long m, int length) {
        M.set(U16, (m & MASK) + OFF_DATA_LEN, (short) length);
        M.set(U32, (m & MASK) + OFF_PKT_LEN, length);
    }

    public static void setRssHash(long m, int hash) {
        M.set(U32, (m & MASK) + OFF_HASH_RSS, hash);
    }

    public static void setOlFlags(long m, long flags) {
        M.set(U64, (m & MASK) + OFF_OL_FLAGS, flags);
    }

    /** Copies this segment's bytes out (test and control paths: allocates). */
    public static byte[] copyData(long m) {
        return MemorySegment.ofAddress(dataAddress(m)).reinterpret(dataLength(m)).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Writes {@code bytes} as the whole content of a freshly allocated single-segment mbuf. */
    public static void fill(long m, byte[] bytes) {
        if (bytes.length > dataLength(m) + tailroom(m)) {
            throw new IllegalArgumentException(bytes.length + " bytes do not fit in an mbuf with "
                    + (dataLength(m) + tailroom(m)) + " bytes of room");
        }
        MemorySegment.copy(bytes, 0, M, ValueLayout.JAVA_BYTE, dataAddress(m), bytes.length);
        setLength(m, bytes.length);
    }

    /**
     * Takes {@code n} mbufs from {@code pool} into {@code handles[0..n)}: all or none.
     * Returns false when the pool has fewer than {@code n} free.
     */
    public static boolean allocBulk(Mempool pool, HandleArray handles, int n) {
        try {
            return (int) ALLOC_BULK.invokeExact(pool.address(), handles.address(0), n) == 0;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Frees {@code handles[0..n)}: one call for the whole burst. */
    public static void freeBulk(HandleArray handles, int n) {
        freeBulk(handles.address(0), n);
    }

    /** Frees the {@code n} mbufs whose pointers start at native address {@code array}. */
    public static void freeBulk(long array, int n) {
        if (n == 0) {
            return;
        }
        try {
            FREE_BULK.invokeExact(array, n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Frees one mbuf (control and cleanup paths; hot paths free in bulk). */
    public static void free(long m) {
        try {
            FREE.invokeExact(m);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
