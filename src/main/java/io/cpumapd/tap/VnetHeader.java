package io.cpumapd.tap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 12-byte header the kernel reads in front of every frame on a TAP with vnet_hdr:
 * {@code struct virtio_net_hdr_mrg_rxbuf} (the same size as {@code virtio_net_hdr_v1}).
 * <pre>
 * offset size field
 *   0     1   flags        NEEDS_CSUM: the kernel completes the checksum at csum_start + csum_offset
 *   1     1   gso_type     NONE unless the frame is a TSO/UFO super-frame
 *   2     2   hdr_len      bytes of headers (with GSO)
 *   4     2   gso_size     segment payload size (with GSO)
 *   6     2   csum_start   where checksumming starts, from the Ethernet header
 *   8     2   csum_offset  where the checksum is stored, from csum_start
 *  10     2   num_buffers  receive side only; 0 on writes
 * </pre>
 * Little-endian: a TAP uses the host's order unless TUNSETVNETBE says otherwise, and x86 is
 * little-endian. The helpers write into any segment at an offset, so headers can live in
 * mbuf headroom or in a preallocated array; they never allocate.
 */
public final class VnetHeader {
    public static final int SIZE_BYTES = 12;

    public static final int F_NEEDS_CSUM = 1;
    /** The checksums were verified already (by the NIC): the stack skips checking them. */
    public static final int F_DATA_VALID = 2;
    /** The kernel merged segments (receive side only, never on a TAP read). */
    public static final int F_RSC_INFO = 4;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** Legacy UDP fragmentation offload: never enabled here, so never accepted. */
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** UDP segmentation (USO): each segment a datagram of its own. */
    public static final int GSO_UDP_L4 = 5;
    /** Or-ed into gso_type: the TCP segments carry ECN (CWR on the first only). */
    public static final int GSO_ECN = 0x80;

    public static final long OFFSET_FLAGS = 0;
    public static final long OFFSET_GSO_TYPE = 1;
    public static final long OFFSET_HDR_LEN = 2;
    public static final long OFFSET_GSO_SIZE = 4;
    public static final long OFFSET_CSUM_START = 6;
    public static final long OFFSET_CSUM_OFFSET = 8;
    public static final long OFFSET_NUM_BUFFERS = 10;

    private static final ValueLayout.OfShort U16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private VnetHeader() {
    }

    /** All fields zero: no checksum offload, no GSO. What a plain frame needs. */
    public static void clear(MemorySegment segment, long offset) {
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, 0L);
        segment.set(ValueLayout.JAVA_INT_UNALIGNED, offset + 8, 0);
    }

    public static void flags(MemorySegment segment, long offset, int flags) {
        segment.set(ValueLayout.JAVA_BYTE, offset + OFFSET_FLAGS, (byte) flags);
    }

    public static int flags(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset + OFFSET_FLAGS) & 0xff;
    }

    public static int gsoType(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset + OFFSET_GSO_TYPE) & 0xff;
    }

    public static int hdrLenBytes(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(U16_LE, offset + OFFSET_HDR_LEN));
    }

    public static int gsoSizeBytes(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(U16_LE, offset + OFFSET_GSO_SIZE));
    }

    public static int csumStart(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(U16_LE, offset + OFFSET_CSUM_START));
    }

    public static int csumOffset(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(U16_LE, offset + OFFSET_CSUM_OFFSET));
    }

    public static void gsoType(MemorySegment segment, long offset, int gsoType) {
        segment.set(ValueLayout.JAVA_BYTE, offset + OFFSET_GSO_TYPE, (byte) gsoType);
    }

    public static void hdrLenBytes(MemorySegment segment, long offset, int hdrLenBytes) {
        segment.set(U16_LE, offset + OFFSET_HDR_LEN, (short) hdrLenBytes);
    }

    public static void gsoSizeBytes(MemorySegment segment, long offset, int gsoSizeBytes) {
        segment.set(U16_LE, offset + OFFSET_GSO_SIZE, (short) gsoSizeBytes);
    }

    public static void csumStart(MemorySegment segment, long offset, int csumStart) {
        segment.set(U16_LE, offset + OFFSET_CSUM_START, (short) csumStart);
    }

    public static void csumOffset(MemorySegment segment, long offset, int csumOffset) {
        segment.set(U16_LE, offset + OFFSET_CSUM_OFFSET, (short) csumOffset);
    }

    public static void numBuffers(MemorySegment segment, long offset, int numBuffers) {
        segment.set(U16_LE, offset + OFFSET_NUM_BUFFERS, (short) numBuffers);
    }

    /** Asks the kernel to fill in a checksum: e.g. start 34, offset 6 for UDP after Ethernet + IPv4. */
    public static void needsCsum(MemorySegment segment, long offset, int csumStart, int csumOffset) {
        flags(segment, offset, F_NEEDS_CSUM);
        csumStart(segment, offset, csumStart);
        csumOffset(segment, offset, csumOffset);
    }
}
