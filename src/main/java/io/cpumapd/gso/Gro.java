package io.cpumapd.gso;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.tap.TapInjector;
import io.cpumapd.tap.VnetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Generic receive offload for TCP before the kernel, as {@code tcp_gro_receive} does: within one
 * dequeue round, consecutive segments of one flow (same MACs, addresses and ports; in sequence; ACK
 * or ACK+PSH only; the same ack number, TCP options byte for byte, TOS/TTL (traffic class, flow
 * label, hop limit), DF; no IPv4 options or fragments, no IPv6 extension headers, no VLAN tag)
 * are held and written as ONE GSO frame with one writev: a vnet header with {@code gso_type}
 * TCPV4/TCPV6, {@code gso_size} = the first segment's payload (the MSS), {@code hdr_len}, and
 * NEEDS_CSUM; an iovec for a copy of the first segment's headers (the only bytes written: the IP
 * length, the IPv4 header checksum, PSH, the last segment's window, and the pseudo-header seed of the
 * TCP checksum, in memory this class owns), then one per segment pointing at its payload inside
 * its mbuf. The mbufs stay the caller's: it frees them after the injector's flush.
 * <p>
 * Checksums: a segment joins only when its TCP checksum (and IPv4 header checksum) is known good:
 * verified here, unless the mbuf's ol_flags say the NIC verified it. A segment with a bad or
 * unverifiable checksum is never merged; it goes into the kernel alone, as without GRO, and the
 * kernel checks it. NEEDS_CSUM is what the TAP turns into CHECKSUM_PARTIAL: trusted on local
 * receive and completed by the kernel if it forwards the frame, so it is used for NIC-verified
 * frames too. DATA_VALID is never used: a TAP write ignores it (tun reads only NEEDS_CSUM from the
 * vnet header; TapDataValidTest), and a merged frame's checksum field is a seed, not a sum.
 * <p>
 * A flow is flushed when a segment ends it (PSH, or shorter than the MSS), at {@link #MAX_SEGMENTS}
 * segments or 64 KiB of IP payload, when a packet of the flow that cannot join arrives (out of
 * order, retransmitted, other flags or options: that packet goes alone, or starts a new flow),
 * when the table of {@link #MAX_FLOWS} is full (the oldest goes), and at the end of the round
 * ({@link #flushAll}). Order within a flow is kept; TCP packets that cannot be matched to a flow
 * (IPv6 extension headers, fragments, tags) flush every held flow first.
 * <p>
 * One per thread; preallocated: no allocation, lock or native call per packet.
 */
public final class Gro {
    /** Flows held at once (the kernel's MAX_GRO_SKBS per bucket). */
    public static final int MAX_FLOWS = 8;
    /** Segments per GSO frame at most (the kernel flushes a GRO packet at 64 segments as well). */
    public static final int MAX_SEGMENTS = 64;
    /** Pieces of the biggest frame: the header copy, then a payload slice per segment. */
    public static final int MAX_PIECES = MAX_SEGMENTS + 1;

    /** Why held segments were written. */
    public static final int FLUSH_ROUND_END = 0;
    public static final int FLUSH_LIMIT = 1;
    public static final int FLUSH_FLOW_END = 2;
    public static final int FLUSH_MISMATCH = 3;
    public static final int FLUSH_EVICTED = 4;

    /** Where frames go: the caller keeps track of the injectors it must flush. */
    public interface Sink {
        /** Makes room for a frame of {@code pieces} slices on {@code inj} (writing its batch if needed). */
        void room(TapInjector inj, int pieces);

        /** A frame was added to {@code inj}. */
        void added(TapInjector inj);
    }

    private static final MemorySegment M = Native.ALL;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    private static final int ETH = 14;
    private static final int ETH_P_IPV4 = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_ACK = 0x10;
    private static final int IPV4_DF = 0x4000;
    private static final int MAX_IP_PAYLOAD = 65535;
    /** Vnet header (16 with padding) and the headers' copy (at most 14 + 40 + 60 bytes). */
    private static final int SLOT_BYTES = 16 + 128;
    private static final int HEADER_COPY = 16;

    private final CounterBlock counters;
    private final Sink sink;
    /**
     * Headers of the GSO frames written since the last {@link #written()}: one area per frame, never
     * per flow, since a flow written twice in a round has two frames pending in the injector at once.
     */
    private final long slots;
    private final int slotCount;
    private int nextSlot;
    // Per flow, indexed by flow slot (f) or f * MAX_SEGMENTS + segment.
    private final TapInjector[] inj = new TapInjector[MAX_FLOWS];
    private final long[] first = new long[MAX_FLOWS];       // data address of the first segment
    private final long[] firstHeader = new long[MAX_FLOWS]; // its own vnet header, for a flow of one
    private final int[] firstLen = new int[MAX_FLOWS];      // its frame length (padding excluded)
    private final int[] ipv = new int[MAX_FLOWS];           // 4, 6; 0 = free slot
    private final int[] hdrLen = new int[MAX_FLOWS];
    private final int[] mss = new int[MAX_FLOWS];
    private final int[] segs = new int[MAX_FLOWS];
    private final int[] payloadTotal = new int[MAX_FLOWS];
    private final int[] ports = new int[MAX_FLOWS];
    private final int[] nextSeq = new int[MAX_FLOWS];
    private final int[] lastWindow = new int[MAX_FLOWS];
    private final int[] lastLen = new int[MAX_FLOWS];
    private final boolean[] psh = new boolean[MAX_FLOWS];
    private final int[] proto = new int[MAX_FLOWS];
    private final long[] payload = new long[MAX_FLOWS * MAX_SEGMENTS];
    private int held;
    private int victim;

    // The packet being classified (scratch, no allocation).
    private long d;
    private int pIpv;
    private int pL4;
    private int pHdrLen;
    private int pPayload;
    private int pFlags;
    private int pPorts;
    private int pProto;
    private boolean pKeyed;

    /**
     * @param counters a {@link TapCounter} row (the GRO columns are written)
     * @param arena    owns the headers' copies; must outlive this object
     */
    public Gro(CounterBlock counters, Sink sink, int framesPerRound, Arena arena) {
        this.counters = counters;
        this.sink = sink;
        // Each GSO frame takes two segments at least: half the round's packets, plus a spare.
        this.slotCount = framesPerRound / 2 + 1;
        this.slots = arena.allocate((long) SLOT_BYTES * slotCount, 64).address();
    }

    /** The injectors wrote every frame flushed so far: their header areas may be used again. */
    public void written() {
        nextSlot = 0;
    }

    /**
     * Offers PASS frame {@code m} bound for {@code injector}, whose own vnet header (for when it goes
     * alone) is at {@code vnetHeader}. Returns true when held (it is written by a later flush; the
     * caller must neither add it to the injector nor free it before its flush); false when it must be
     * injected alone, now (a held flow it belongs to was written first, so order is kept).
     */
    public boolean offer(long m, TapInjector injector, long vnetHeader) {
        if (!injector.vnetHdr()) {
            return false; // no vnet header, no GSO: such a TAP gets every frame alone
        }
        int verdict = classify(m, injector);
        if (verdict == NOT_TCP) {
            return false;
        }
        int f = pKeyed ? find(injector) : -1;
        if (verdict != CANDIDATE) {
            if (f >= 0) {
                flush(f, FLUSH_MISMATCH);
            } else if (!pKeyed) {
                flushAll(FLUSH_MISMATCH); // a TCP packet this code cannot place: keep every flow's order
            }
            if (verdict == BAD_CHECKSUM) {
                counters.increment(TapCounter.GRO_BAD_CHECKSUM.ordinal());
            }
            return false;
        }
        if (f >= 0) {
            if (joins(f)) {
                append(f, d);
                if (pPayload < mss[f] || (pFlags & TCP_PSH) != 0) {
                    flush(f, FLUSH_FLOW_END);
                } else if (segs[f] == MAX_SEGMENTS || payloadTotal[f] + mss[f] + pHdrLen - pL4 > ipRoom(f)) {
                    flush(f, FLUSH_LIMIT);
                }
                return true;
            }
            flush(f, FLUSH_MISMATCH);
        }
        if ((pFlags & TCP_PSH) != 0) {
            return false; // it would be flushed at once: alone is the same
        }
        start(freeSlot(), injector, m, vnetHeader);
        return true;
    }

    /** Writes every held flow (end of the round). */
    public void flushAll() {
        flushAll(FLUSH_ROUND_END);
    }

    /** Flows held now. */
    public int held() {
        return held;
    }

    private void flushAll(int reason) {
        for (int f = 0; held > 0 && f < MAX_FLOWS; f++) {
            if (ipv[f] != 0) {
                flush(f, reason);
            }
        }
    }

    private static final int NOT_TCP = 0;
    private static final int CANDIDATE = 1;
    private static final int NOT_MERGEABLE = 2;
    private static final int BAD_CHECKSUM = 3;

    /**
     * Reads the frame's headers into the scratch fields. {@code pKeyed} says whether its flow key
     * (addresses, ports) was found, so a non-candidate can still flush its own flow.
     */
    private int classify(long m, TapInjector injector) {
        pKeyed = false;
        if (Mbuf.segments(m) != 1) {
            return maybeTcp(m);
        }
        d = Mbuf.dataAddress(m);
        int len = Mbuf.dataLength(m);
        long ol = Mbuf.olFlags(m);
        if (len < ETH + 40 || (ol & OlFlags.RX_VLAN) != 0) {
            return maybeTcp(m);
        }
        int etherType = u16(d + 12);
        int ipEnd;
        if (etherType == ETH_P_IPV4) {
            int verIhl = u8(d + ETH);
            pProto = u8(d + ETH + 9);
            if (pProto != IPPROTO_TCP && (pProto != IPPROTO_UDP || !injector.uso4())) {
                return NOT_TCP;
            }
            int frag = u16(d + ETH + 6);
            if ((verIhl >> 4) != 4 || (frag & 0x1FFF) != 0 || (frag & 0x2000) != 0) {
                return NOT_MERGEABLE; // fragments carry no reliable ports
            }
            int ihl = (verIhl & 0xF) * 4;
            if (ihl < 20 || ETH + ihl + 20 > len) {
                return NOT_MERGEABLE;
            }
            pL4 = ETH + ihl;
            key(4);
            ipEnd = ETH + u16(d + ETH + 2);
            if (ihl != 20) {
                return NOT_MERGEABLE;
            }
        } else if (etherType == ETH_P_IPV6) {
            pProto = u8(d + ETH + 6);
            if (pProto == IPPROTO_UDP && !injector.uso6()) {
                return NOT_TCP;
            }
            if (pProto != IPPROTO_TCP && pProto != IPPROTO_UDP) {
                // Extension headers (or not TCP at all): only TCP behind them would matter.
                return isIpv6Extension(u8(d + ETH + 6)) ? NOT_MERGEABLE : NOT_TCP;
            }
            if ((u8(d + ETH) >> 4) != 6 || ETH + 48 > len) {
                return NOT_MERGEABLE;
            }
            pL4 = ETH + 40;
            key(6);
            ipEnd = pL4 + u16(d + ETH + 4);
        } else {
            // Tagged frames are not merged, but may hold TCP of a held flow; other EtherTypes never.
            return etherType == 0x8100 || etherType == 0x88A8 ? NOT_MERGEABLE : NOT_TCP;
        }
        if (ipEnd > len) {
            return NOT_MERGEABLE;
        }
        if (pProto == IPPROTO_UDP) {
            return classifyUdp(ol, ipEnd);
        }
        if (pL4 + 20 > len) {
            return NOT_MERGEABLE;
        }
        int thl = (u8(d + pL4 + 12) >> 4) * 4;
        pHdrLen = pL4 + thl;
        pFlags = u8(d + pL4 + 13);
        pPayload = ipEnd - pHdrLen;
        // Reserved bits and AE (AccECN) must be clear, ACK set, nothing but PSH beside it.
        if (thl < 20 || pPayload <= 0 || (u8(d + pL4 + 12) & 0x0F) != 0 || (pFlags & ~TCP_PSH) != TCP_ACK) {
            return NOT_MERGEABLE;
        }
        if ((ol & (OlFlags.RX_IP_CKSUM_MASK | OlFlags.RX_L4_CKSUM_MASK)) != 0
                && ((ol & OlFlags.RX_IP_CKSUM_MASK) == OlFlags.RX_IP_CKSUM_BAD
                || (ol & OlFlags.RX_L4_CKSUM_MASK) == OlFlags.RX_L4_CKSUM_BAD)) {
            return BAD_CHECKSUM;
        }
        if (pIpv == 4 && (ol & OlFlags.RX_IP_CKSUM_MASK) != OlFlags.RX_IP_CKSUM_GOOD
                && !Checksum.verifies(d + ETH, 20, 0)) {
            return BAD_CHECKSUM;
        }
        if ((ol & OlFlags.RX_L4_CKSUM_MASK) != OlFlags.RX_L4_CKSUM_GOOD
                && !Checksum.verifies(d + pL4, ipEnd - pL4, pseudo(d, pIpv, IPPROTO_TCP, ipEnd - pL4))) {
            return BAD_CHECKSUM;
        }
        return CANDIDATE;
    }

    /** Equal-sized datagrams: a valid checksum (IPv4's 0, none, is valid), length fields that agree. */
    private int classifyUdp(long ol, int ipEnd) {
        pHdrLen = pL4 + 8;
        pFlags = 0;
        int udpLen = u16(d + pL4 + 4);
        pPayload = udpLen - 8;
        if (pPayload <= 0 || pL4 + udpLen != ipEnd) {
            return NOT_MERGEABLE;
        }
        if ((ol & OlFlags.RX_IP_CKSUM_MASK) == OlFlags.RX_IP_CKSUM_BAD
                || (ol & OlFlags.RX_L4_CKSUM_MASK) == OlFlags.RX_L4_CKSUM_BAD) {
            return BAD_CHECKSUM;
        }
        if (pIpv == 4 && (ol & OlFlags.RX_IP_CKSUM_MASK) != OlFlags.RX_IP_CKSUM_GOOD
                && !Checksum.verifies(d + ETH, 20, 0)) {
            return BAD_CHECKSUM;
        }
        int check = u16(d + pL4 + 6);
        if (check == 0) {
            return pIpv == 4 ? CANDIDATE : BAD_CHECKSUM; // IPv6 requires one
        }
        if ((ol & OlFlags.RX_L4_CKSUM_MASK) != OlFlags.RX_L4_CKSUM_GOOD
                && !Checksum.verifies(d + pL4, udpLen, pseudo(d, pIpv, IPPROTO_UDP, udpLen))) {
            return BAD_CHECKSUM;
        }
        return CANDIDATE;
    }

    /** A frame this code does not parse (chained, tagged, short): TCP or not, it cannot be keyed. */
    private int maybeTcp(long m) {
        // Unknown layout: treat as TCP that cannot be placed, so held flows keep their order.
        return Mbuf.packetLength(m) >= ETH ? NOT_MERGEABLE : NOT_TCP;
    }

    private static boolean isIpv6Extension(int next) {
        return next == 0 || next == 43 || next == 44 || next == 60 || next == 51 || next == 135
                || next == 139 || next == 140;
    }

    private void key(int version) {
        pIpv = version;
        pPorts = M.get(U32, d + pL4);
        pKeyed = true;
    }

    /** The held flow of the packet being classified: same TAP, MACs, EtherType, addresses, ports. */
    private int find(TapInjector injector) {
        if (held == 0) {
            return -1;
        }
        for (int f = 0; f < MAX_FLOWS; f++) {
            if (ipv[f] == pIpv && ports[f] == pPorts && proto[f] == pProto && inj[f] == injector
                    && sameFlow(first[f], d, pIpv)) {
                return f;
            }
        }
        return -1;
    }

    private static boolean sameFlow(long a, long b, int version) {
        if (M.get(U64, a) != M.get(U64, b) || M.get(U32, a + 8) != M.get(U32, b + 8)) {
            return false; // MACs
        }
        if (version == 4) {
            return M.get(U64, a + ETH + 12) == M.get(U64, b + ETH + 12);
        }
        long x = a + ETH + 8;
        long y = b + ETH + 8;
        return M.get(U64, x) == M.get(U64, y) && M.get(U64, x + 8) == M.get(U64, y + 8)
                && M.get(U64, x + 16) == M.get(U64, y + 16) && M.get(U64, x + 24) == M.get(U64, y + 24);
    }

    /** Whether the classified candidate may follow flow {@code f}'s last segment. */
    private boolean joins(int f) {
        long a = first[f];
        if (pHdrLen != hdrLen[f] || pPayload > mss[f]) {
            return false; // other options' length, bigger
        }
        if (pProto == IPPROTO_TCP
                && (u32(d + pL4 + 4) != nextSeq[f] || M.get(U32, d + pL4 + 8) != M.get(U32, a + pL4 + 8))) {
            return false; // out of order, retransmitted, other ack
        }
        if (segs[f] == MAX_SEGMENTS || payloadTotal[f] + pPayload + pHdrLen - pL4 > ipRoom(f)) {
            return false;
        }
        if (pIpv == 4) {
            // version/IHL/TOS, then DF and the zero offset, then TTL and protocol
            if (M.get(ValueLayout.JAVA_SHORT_UNALIGNED, d + ETH) != M.get(ValueLayout.JAVA_SHORT_UNALIGNED, a + ETH)
                    || M.get(U32, d + ETH + 6) != M.get(U32, a + ETH + 6) // flags/offset, TTL, protocol
                    || ((u16(d + ETH + 6) & IPV4_DF) == 0
                    && u16(d + ETH + 4) != ((u16(a + ETH + 4) + segs[f]) & 0xFFFF))) {
                return false; // without DF the ids must count up, as the segmenter will make them
            }
        } else if (M.get(U32, d + ETH) != M.get(U32, a + ETH)
                || M.get(ValueLayout.JAVA_SHORT_UNALIGNED, d + ETH + 6)
                != M.get(ValueLayout.JAVA_SHORT_UNALIGNED, a + ETH + 6)) {
            return false; // traffic class, flow label, next header, hop limit
        }
        // Options byte for byte, timestamps included, as tcp_gro_receive compares them.
        for (int i = pL4 + 20; i < pHdrLen; i += 4) {
            if (M.get(U32, d + i) != M.get(U32, a + i)) {
                return false;
            }
        }
        return true;
    }

    private int ipRoom(int f) {
        // IPv4 total length counts its own header; IPv6 payload length does not.
        return ipv[f] == 4 ? MAX_IP_PAYLOAD - 20 : MAX_IP_PAYLOAD;
    }

    private int freeSlot() {
        if (held == MAX_FLOWS) {
            int f = victim;
            victim = (victim + 1) % MAX_FLOWS;
            flush(f, FLUSH_EVICTED);
            return f;
        }
        for (int f = 0; f < MAX_FLOWS; f++) {
            if (ipv[f] == 0) {
                return f;
            }
        }
        throw new IllegalStateException("GRO table full with " + held + " flows held");
    }

    private void start(int f, TapInjector injector, long m, long vnetHeader) {
        held++;
        inj[f] = injector;
        first[f] = d;
        firstHeader[f] = vnetHeader;
        firstLen[f] = pHdrLen + pPayload;
        ipv[f] = pIpv;
        hdrLen[f] = pHdrLen;
        mss[f] = pPayload;
        segs[f] = 0;
        payloadTotal[f] = 0;
        ports[f] = pPorts;
        psh[f] = false;
        proto[f] = pProto;
        append(f, d);
    }

    private void append(int f, long data) {
        payload[f * MAX_SEGMENTS + segs[f]++] = data + pHdrLen;
        payloadTotal[f] += pPayload;
        if (pProto == IPPROTO_TCP) {
            nextSeq[f] = u32(data + pL4 + 4) + pPayload;
            lastWindow[f] = u16(data + pL4 + 14);
        }
        lastLen[f] = pPayload;
        psh[f] |= (pFlags & TCP_PSH) != 0;
    }

    private void flush(int f, int reason) {
        TapInjector to = inj[f];
        int n = segs[f];
        counters.increment(TapCounter.GRO_FLUSH_ROUND_END.ordinal() + reason);
        if (n == 1) {
            sink.room(to, 1);
            to.beginFrame(firstHeader[f]);
            to.addSlice(first[f], firstLen[f]);
            to.endFrame();
        } else {
            sink.room(to, 1 + n);
            if (nextSlot == slotCount) {
                throw new IllegalStateException("more GSO frames in a round than " + slotCount
                        + ": the caller passes more packets between writes than it said");
            }
            long slot = slots + (long) nextSlot++ * SLOT_BYTES;
            writeHeaders(f, slot);
            to.beginFrame(slot);
            to.addSlice(slot + HEADER_COPY, hdrLen[f]);
            int base = f * MAX_SEGMENTS;
            for (int i = 0; i < n - 1; i++) {
                to.addSlice(payload[base + i], mss[f]);
            }
            to.addSlice(payload[base + n - 1], lastLen[f]);
            to.endFrame();
            counters.increment(TapCounter.GRO_FRAMES.ordinal());
            counters.add(TapCounter.GRO_SEGMENTS.ordinal(), n);
        }
        sink.added(to);
        ipv[f] = 0;
        inj[f] = null;
        held--;
    }

    /** The vnet header and the headers' copy of flow {@code f}'s GSO frame. */
    private void writeHeaders(int f, long slot) {
        long h = slot + HEADER_COPY;
        int l4 = ipv[f] == 4 ? ETH + 20 : ETH + 40;
        MemorySegment.copy(M, first[f], M, h, hdrLen[f]);
        int l4Length = hdrLen[f] - l4 + payloadTotal[f];
        if (ipv[f] == 4) {
            M.set(BE16, h + ETH + 2, (short) (20 + l4Length));
            Checksum.fillIpv4Header(h + ETH, 20);
        } else {
            M.set(BE16, h + ETH + 4, (short) l4Length);
        }
        int seed = Checksum.fold(pseudo(h, ipv[f], proto[f], l4Length));
        VnetHeader.clear(M, slot);
        if (proto[f] == IPPROTO_UDP) {
            M.set(BE16, h + l4 + 4, (short) l4Length);
            M.set(BE16, h + l4 + 6, (short) seed); // the kernel completes each datagram's from it
            VnetHeader.needsCsum(M, slot, l4, 6);
            VnetHeader.gsoType(M, slot, VnetHeader.GSO_UDP_L4);
        } else {
            if (psh[f]) {
                M.set(ValueLayout.JAVA_BYTE, h + l4 + 13, (byte) (TCP_ACK | TCP_PSH));
            }
            M.set(BE16, h + l4 + 14, (short) lastWindow[f]);
            // CHECKSUM_PARTIAL: the field holds the pseudo-header's sum, as tcp4_gro_complete leaves it.
            M.set(BE16, h + l4 + 16, (short) seed);
            VnetHeader.needsCsum(M, slot, l4, 16);
            VnetHeader.gsoType(M, slot, ipv[f] == 4 ? VnetHeader.GSO_TCPV4 : VnetHeader.GSO_TCPV6);
        }
        VnetHeader.hdrLenBytes(M, slot, hdrLen[f]);
        VnetHeader.gsoSizeBytes(M, slot, mss[f]);
    }

    /** The pseudo-header's sum (not folded) for the untagged frame at {@code frame}. */
    private static long pseudo(long frame, int version, int protocol, int l4Length) {
        return Checksum.pseudoHeader(frame + ETH, version == 4, protocol, l4Length);
    }

    private static int u8(long a) {
        return M.get(ValueLayout.JAVA_BYTE, a) & 0xFF;
    }

    private static int u16(long a) {
        return M.get(BE16, a) & 0xFFFF;
    }

    private static int u32(long a) {
        return M.get(BE32, a);
    }
}
