package io.cpumapd.gso;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.MbufStash;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.TxBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Makes a frame the kernel sent on a TAP ready for the wire: checks its virtio_net_hdr, completes a
 * partial checksum (NEEDS_CSUM), and cuts a GSO frame (TCP over IPv4 or IPv6, UDP) into segments of
 * at most {@code gso_size} payload bytes each, with their own IP lengths and ids, TCP sequence
 * numbers and flags, and checksums, as the kernel's {@code tcp_gso_segment} / {@code
 * __udp_gso_segment} would. Segments are built in mbufs from a {@link MbufStash} (chained when a
 * segment is bigger than one data room and the port sends chains) and queued on the thread's
 * {@link TxBuffer}; nothing is allocated per frame. One per thread.
 */
public final class Segmenter {
    /** The frame, or each of its segments, is bigger than the port takes. */
    public static final int TOO_BIG = -1;
    /** Out of mbufs part-way, or headers this code does not handle. */
    public static final int FAILED = -2;
    /** The vnet header contradicts itself or the frame. */
    public static final int MALFORMED = -3;

    private static final MemorySegment M = Native.ALL;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int F_NEEDS_CSUM = 1;
    private static final int F_DATA_VALID = 2;
    private static final int GSO_NONE = 0;
    private static final int GSO_TCPV4 = 1;
    private static final int GSO_TCPV6 = 4;
    private static final int GSO_UDP_L4 = 5;
    private static final int GSO_ECN = 0x80;
    private static final int ETH_HEADER = 14;
    private static final int ETH_P_IPV4 = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88A8;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private final MbufStash stash;
    private final int segmentRoom;
    private final HandleArray spent;
    private int spentCount;
    private long segments;
    private long segmented;

    /**
     * @param segmentRoom packet bytes per mbuf of the stash's pool
     * @param spentCapacity how many segmented originals to keep before {@link #freeSpent()} must run
     */
    public Segmenter(MbufStash stash, int segmentRoom, int spentCapacity, Arena arena) {
        this.stash = stash;
        this.segmentRoom = segmentRoom;
        this.spent = new HandleArray(arena, spentCapacity);
    }

    /**
     * Prepares frame {@code m} (its vnet header at {@link Mbuf#vnetHeaderAddress}) and queues it, or
     * its segments, on {@code tx}. Returns the number of frames queued; or a negative reason
     * ({@link #TOO_BIG}, {@link #FAILED}, {@link #MALFORMED}), and then {@code m} is still the
     * caller's to free (segments queued before a failure part-way stay queued).
     *
     * @param maxFrameBytes the port's MTU plus the Ethernet header (VLAN tags in the frame come on top)
     * @param chains        whether the port sends chained mbufs
     */
    public int process(long m, TxBuffer tx, int maxFrameBytes, boolean chains) {
        long h = Mbuf.vnetHeaderAddress(m);
        int flags = M.get(ValueLayout.JAVA_BYTE, h) & 0xFF;
        int gsoType = M.get(ValueLayout.JAVA_BYTE, h + 1) & 0xFF;
        int len = Mbuf.packetLength(m);
        if ((flags & ~(F_NEEDS_CSUM | F_DATA_VALID)) != 0 || len < ETH_HEADER) {
            return MALFORMED;
        }
        long data = Mbuf.dataAddress(m);
        int headLen = Mbuf.dataLength(m);
        int l3 = l3Offset(data, headLen);
        int maxFrame = maxFrameBytes + (l3 - ETH_HEADER);
        int csumStart = u16le(h + 6);
        int csumOffset = u16le(h + 8);
        boolean needsCsum = (flags & F_NEEDS_CSUM) != 0;
        if (needsCsum && (csumStart < l3 || csumStart + csumOffset + 2 > Math.min(len, headLen))) {
            return MALFORMED;
        }
        if (gsoType == GSO_NONE) {
            if (len > maxFrame || (!chains && Mbuf.segments(m) > 1)) {
                return TOO_BIG;
            }
            if (needsCsum) {
                completeChecksum(m, data, len, csumStart, csumOffset);
            }
            tx.add(m);
            return 1;
        }
        return segment(m, tx, h, gsoType & ~GSO_ECN, needsCsum, data, headLen, len, l3, maxFrame, chains);
    }

    private int segment(long m, TxBuffer tx, long h, int type, boolean needsCsum, long data, int headLen, int len,
            int l3, int maxFrame, boolean chains) {
        if (!needsCsum || (type != GSO_TCPV4 && type != GSO_TCPV6 && type != GSO_UDP_L4)) {
            return MALFORMED;
        }
        int gsoSize = u16le(h + 4);
        int l4 = u16le(h + 6);
        int csumOffset = u16le(h + 8);
        int etherType = u16(data + l3 - 2);
        boolean ipv4 = etherType == ETH_P_IPV4;
        if (!ipv4 && etherType != ETH_P_IPV6) {
            return MALFORMED;
        }
        if (ipv4 ? type == GSO_TCPV6 || !validIpv4(data, headLen, l3, l4) : type == GSO_TCPV4 || !validIpv6(data,
                headLen, l3, l4)) {
            return MALFORMED;
        }
        boolean tcp = type != GSO_UDP_L4;
        if (ipv4 && M.get(ValueLayout.JAVA_BYTE, data + l3 + 9) != (tcp ? IPPROTO_TCP : IPPROTO_UDP)) {
            return MALFORMED;
        }
        int l4Header = tcp ? (M.get(ValueLayout.JAVA_BYTE, data + l4 + 12) & 0xF0) >>> 2 : 8;
        int hdrLen = l4 + l4Header;
        if (gsoSize == 0 || csumOffset != (tcp ? 16 : 6) || (tcp && l4Header < 20) || hdrLen > headLen
                || hdrLen >= len) {
            return MALFORMED;
        }
        int payload = len - hdrLen;
        if (payload <= gsoSize) {
            // One segment's worth: what is left to do is the checksum.
            if (len > maxFrame || (!chains && Mbuf.segments(m) > 1)) {
                return TOO_BIG;
            }
            completeChecksum(m, data, len, l4, csumOffset);
            tx.add(m);
            return 1;
        }
        if (hdrLen + gsoSize > maxFrame || (!chains && hdrLen + gsoSize > segmentRoom)) {
            return TOO_BIG;
        }
        if (hdrLen > segmentRoom) {
            return FAILED;
        }
        if (spentCount == spent.capacity()) {
            freeSpent();
        }
        int count = (payload + gsoSize - 1) / gsoSize;
        int ipId = ipv4 ? u16(data + l3 + 4) : 0;
        int seq = tcp ? M.get(BE32, data + l4 + 4) : 0;
        int tcpFlags = tcp ? M.get(ValueLayout.JAVA_BYTE, data + l4 + 13) & 0xFF : 0;
        int port = Mbuf.port(m);
        long in = m;
        int inOff = hdrLen;
        while (inOff >= Mbuf.dataLength(in)) { // headers fill the first segment exactly
            inOff -= Mbuf.dataLength(in);
            in = Mbuf.next(in);
        }
        for (int k = 0; k < count; k++) {
            int plen = Math.min(gsoSize, payload - k * gsoSize);
            int frameLen = hdrLen + plen;
            long head = stash.take();
            if (head == 0) {
                return FAILED;
            }
            long out = Mbuf.dataAddress(head);
            MemorySegment.copy(M, data, M, out, hdrLen);
            long cur = head;
            int curLen = hdrLen;
            int segs = 1;
            int left = plen;
            while (left > 0) {
                if (curLen == segmentRoom) {
                    long next = stash.take();
                    if (next == 0) {
                        Mbuf.setDataLength(cur, curLen);
                        Mbuf.free(head);
                        return FAILED;
                    }
                    Mbuf.setDataLength(cur, curLen);
                    Mbuf.setNext(cur, next);
                    cur = next;
                    curLen = 0;
                    segs++;
                }
                int n = Math.min(Math.min(segmentRoom - curLen, left), Mbuf.dataLength(in) - inOff);
                MemorySegment.copy(M, Mbuf.dataAddress(in) + inOff, M, Mbuf.dataAddress(cur) + curLen, n);
                curLen += n;
                left -= n;
                inOff += n;
                if (inOff == Mbuf.dataLength(in)) {
                    in = Mbuf.next(in);
                    inOff = 0;
                }
            }
            Mbuf.setDataLength(cur, curLen);
            Mbuf.setPacketLength(head, frameLen);
            Mbuf.setSegments(head, segs);
            Mbuf.setPort(head, port);
            fixHeaders(head, out, ipv4, tcp, l3, l4, csumOffset, frameLen, ipId + k, seq + k * gsoSize,
                    segmentFlags(tcpFlags, k, count));
            tx.add(head);
        }
        spent.set(spentCount++, m);
        segments += count;
        segmented++;
        return count;
    }

    /** CWR only on the first segment, FIN and PSH only on the last, as tcp_gso_segment does. */
    private static int segmentFlags(int flags, int k, int count) {
        int f = flags;
        if (k > 0) {
            f &= ~TCP_CWR;
        }
        if (k < count - 1) {
            f &= ~(TCP_FIN | TCP_PSH);
        }
        return f;
    }

    private static void fixHeaders(long head, long out, boolean ipv4, boolean tcp, int l3, int l4, int csumOffset,
            int frameLen, int ipId, int seq, int tcpFlags) {
        int l4Len = frameLen - l4;
        if (ipv4) {
            M.set(BE16, out + l3 + 2, (short) (frameLen - l3));
            M.set(BE16, out + l3 + 4, (short) ipId);
            Checksum.fillIpv4Header(out + l3, (M.get(ValueLayout.JAVA_BYTE, out + l3) & 0x0F) * 4);
        } else {
            M.set(BE16, out + l3 + 4, (short) (frameLen - l3 - 40));
        }
        long sum = Checksum.pseudoHeader(out + l3, ipv4, tcp ? IPPROTO_TCP : IPPROTO_UDP, l4Len);
        if (tcp) {
            M.set(BE32, out + l4 + 4, seq);
            M.set(ValueLayout.JAVA_BYTE, out + l4 + 13, (byte) tcpFlags);
        } else {
            M.set(BE16, out + l4 + 4, (short) l4Len);
        }
        M.set(BE16, out + l4 + csumOffset, (short) 0);
        M.set(BE16, out + l4 + csumOffset, (short) Checksum.finish(Checksum.addChain(head, l4, l4Len, sum)));
    }

    /** NEEDS_CSUM: the field holds the pseudo-header sum; sum from csum_start to the end and store. */
    private static void completeChecksum(long m, long data, int len, int csumStart, int csumOffset) {
        long sum = Checksum.addChain(m, csumStart, len - csumStart, 0);
        M.set(BE16, data + csumStart + csumOffset, (short) Checksum.finish(sum));
    }

    private static boolean validIpv4(long data, int headLen, int l3, int l4) {
        if (l3 + 20 > headLen) {
            return false;
        }
        int vihl = M.get(ValueLayout.JAVA_BYTE, data + l3) & 0xFF;
        return (vihl >>> 4) == 4 && (vihl & 0x0F) >= 5 && l3 + (vihl & 0x0F) * 4 == l4;
    }

    private static boolean validIpv6(long data, int headLen, int l3, int l4) {
        return l3 + 40 <= headLen && (M.get(ValueLayout.JAVA_BYTE, data + l3) & 0xF0) == 0x60 && l4 >= l3 + 40;
    }

    /** After the Ethernet header and any 802.1Q / 802.1ad tags inside the first segment. */
    private static int l3Offset(long data, int headLen) {
        int off = ETH_HEADER;
        while (off + 4 <= headLen) {
            int type = u16(data + off - 2);
            if (type != ETH_P_8021Q && type != ETH_P_8021AD) {
                break;
            }
            off += 4;
        }
        return off;
    }

    /** Frees the originals of the frames segmented since the last call: once per batch. */
    public void freeSpent() {
        Mbuf.freeBulk(spent, spentCount);
        spentCount = 0;
    }

    /** Segments built, over the segmenter's life (owner thread's view). */
    public long segments() {
        return segments;
    }

    /** GSO frames cut into segments. */
    public long segmented() {
        return segmented;
    }

    private static int u16(long address) {
        return Short.toUnsignedInt(M.get(BE16, address));
    }

    private static int u16le(long address) {
        return Short.toUnsignedInt(M.get(LE16, address));
    }
}
