package io.cpumapd.bench;

import io.cpumapd.pcap.FrameBuilder;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Bulk-transfer traffic for the benchmarks, the kind GRO merges: full-sized TCP segments of
 * {@code flows} connections, each flow's bytes in sequence (contiguous sequence numbers, ACK on every
 * segment, PSH on the last of each train, optional timestamps advancing once per train, incrementing
 * IPv4 ids with DF), or equal-sized UDP datagrams of {@code flows} flows. Flows take turns in trains of
 * {@code train} consecutive segments, as a sender's TSO burst arrives. Every checksum is valid.
 *
 * <p>Stateful and single-threaded: {@link #writeNext} writes the next frame anywhere (an mbuf through
 * the all-memory segment, or a heap array) without allocating; the payload's checksum is summed once.
 */
public final class SegmentTraffic {
    public enum Kind { TCP, UDP }

    /** Payload of a full segment on a 1500-byte MTU without options: 1500 - 20 (IPv4) - 20 (TCP). */
    public static final int TCP_MSS_IPV4 = 1460;
    public static final int TCP_MSS_IPV6 = 1440;
    /** The timestamp option as Linux sends it: NOP, NOP, kind 8, length 10, TSval, TSecr. */
    public static final int TIMESTAMP_OPTION_BYTES = 12;
    public static final int UDP_MAX_IPV4 = 1472;
    public static final int UDP_MAX_IPV6 = 1452;
    public static final int TCP_DST_PORT = 5201;   // iperf3's
    public static final int UDP_DST_PORT = 9;      // discard
    public static final int SRC_PORT_BASE = 40000;
    /** One source port per flow above {@link #SRC_PORT_BASE}. */
    public static final int MAX_FLOWS = 65536 - SRC_PORT_BASE;

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int FLAG_PSH = 0x08;
    private static final int FLAG_ACK = 0x10;

    private final Kind kind;
    private final int flows;
    private final int payloadBytes;
    private final boolean timestamps;
    private final boolean ipv6;
    private final int train;
    private final int l3Bytes;
    private final int l4HeaderBytes;
    private final byte[] header;          // Ethernet + IP + L4 template of flow 0
    private final MemorySegment payload;  // the same bytes in every segment: their sum is taken once
    private final int payloadSum;
    private final long[] nextSeq;
    private final int[] nextIpId;
    private final int[] tsVal;
    private int flow;
    private int inTrain;

    /**
     * @param payloadBytes bytes after the L4 header (0: a full segment, {@link #fullPayload})
     * @param train        consecutive segments of one flow before the next flow's turn (at least 1)
     */
    public SegmentTraffic(Kind kind, int flows, int payloadBytes, boolean timestamps, boolean ipv6, int train) {
        if (flows < 1 || flows > MAX_FLOWS) {
            throw new IllegalArgumentException("flows must be 1.." + MAX_FLOWS + ": " + flows);
        }
        if (train < 1) {
            throw new IllegalArgumentException("train must be at least 1: " + train);
        }
        if (timestamps && kind == Kind.UDP) {
            throw new IllegalArgumentException("timestamps are a TCP option: not with UDP");
        }
        this.kind = kind;
        this.flows = flows;
        this.timestamps = timestamps;
        this.ipv6 = ipv6;
        this.train = train;
        this.payloadBytes = payloadBytes == 0 ? fullPayload(kind, ipv6, timestamps) : payloadBytes;
        if (this.payloadBytes < 1 || this.payloadBytes > 9000) {
            throw new IllegalArgumentException("payload must be 1..9000 bytes: " + payloadBytes);
        }
        this.l3Bytes = ipv6 ? 40 : 20;
        this.l4HeaderBytes = kind == Kind.UDP ? 8 : 20 + (timestamps ? TIMESTAMP_OPTION_BYTES : 0);
        this.header = new byte[14 + l3Bytes + l4HeaderBytes];
        byte[] p = new byte[this.payloadBytes];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 7 + 1);
        }
        this.payload = MemorySegment.ofArray(p);
        this.payloadSum = sum(payload, 0, p.length, 0);
        this.nextSeq = new long[flows];
        this.nextIpId = new int[flows];
        this.tsVal = new int[flows];
        for (int f = 0; f < flows; f++) {
            nextSeq[f] = 0x10000000L * (f % 15) + 1000L * f;   // arbitrary, distinct starts
            nextIpId[f] = f * 101;
            tsVal[f] = 1_000_000 + f;
        }
        buildTemplate();
    }

    /** The payload of a full-sized segment or datagram on a 1500-byte MTU. */
    public static int fullPayload(Kind kind, boolean ipv6, boolean timestamps) {
        if (kind == Kind.UDP) {
            return ipv6 ? UDP_MAX_IPV6 : UDP_MAX_IPV4;
        }
        return (ipv6 ? TCP_MSS_IPV6 : TCP_MSS_IPV4) - (timestamps ? TIMESTAMP_OPTION_BYTES : 0);
    }

    private void buildTemplate() {
        MemorySegment h = MemorySegment.ofArray(header);
        MemorySegment.copy(FrameBuilder.parseMac(BenchFrames.DST_MAC), 0, h, ValueLayout.JAVA_BYTE, 0, 6);
        MemorySegment.copy(FrameBuilder.parseMac(BenchFrames.SRC_MAC), 0, h, ValueLayout.JAVA_BYTE, 6, 6);
        int proto = kind == Kind.TCP ? 6 : 17;
        if (ipv6) {
            h.set(BE16, 12, (short) 0x86dd);
            h.set(BE32, 14, 6 << 28);
            h.set(ValueLayout.JAVA_BYTE, 20, (byte) proto);
            h.set(ValueLayout.JAVA_BYTE, 21, (byte) 64);
            h.set(BE32, 22, 0x20010db8);            // source 2001:db8::<flow>, set per frame
            h.set(BE32, 38, 0x20010db8);            // destination 2001:db8:1::1
            h.set(BE32, 42, 0x00010000);
            h.set(ValueLayout.JAVA_BYTE, 53, (byte) 1);
        } else {
            h.set(BE16, 12, (short) 0x0800);
            h.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x45);
            h.set(BE16, 20, (short) 0x4000);        // DF
            h.set(ValueLayout.JAVA_BYTE, 22, (byte) 64);
            h.set(ValueLayout.JAVA_BYTE, 23, (byte) proto);
            h.set(BE32, 26, 0xc6120000);            // source 198.18.x.y, set per frame
            h.set(BE32, 30, 0xc6130001);            // destination 198.19.0.1
        }
        int l4 = 14 + l3Bytes;
        if (kind == Kind.TCP) {
            h.set(BE16, l4 + 2, (short) TCP_DST_PORT);
            h.set(BE32, l4 + 8, 0x5a5a0001);        // the ACK number: the receiver sends nothing back
            h.set(ValueLayout.JAVA_BYTE, l4 + 12, (byte) ((l4HeaderBytes / 4) << 4));
            h.set(BE16, l4 + 14, (short) 502);      // window
            if (timestamps) {
                h.set(BE32, l4 + 20, 0x0101080a);   // NOP, NOP, TS, length 10
                h.set(BE32, l4 + 28, 0x00c0ffee);   // TSecr
            }
        } else {
            h.set(BE16, l4 + 2, (short) UDP_DST_PORT);
            h.set(BE16, l4 + 4, (short) (8 + payloadBytes));
        }
    }

    public Kind kind() {
        return kind;
    }

    public int flows() {
        return flows;
    }

    public int payloadBytes() {
        return payloadBytes;
    }

    /** Every frame this source writes has this length. */
    public int frameBytes() {
        return header.length + payloadBytes;
    }

    /** The next frame as a new array (tests, pcap files). */
    public byte[] next() {
        byte[] f = new byte[frameBytes()];
        writeNext(MemorySegment.ofArray(f), 0);
        return f;
    }

    /** Writes the next frame at {@code offset} of {@code dst} (at least {@link #frameBytes()} room); returns its length. */
    public int writeNext(MemorySegment dst, long offset) {
        int f = flow;
        boolean lastOfTrain = ++inTrain == train;
        if (lastOfTrain) {
            inTrain = 0;
            flow = flow + 1 == flows ? 0 : flow + 1;
        }
        MemorySegment.copy(header, 0, dst, ValueLayout.JAVA_BYTE, offset, header.length);
        MemorySegment.copy(payload, 0, dst, offset + header.length, payloadBytes);
        long l3 = offset + 14;
        long l4 = l3 + l3Bytes;
        int l4Bytes = l4HeaderBytes + payloadBytes;
        // Pseudo-header sum: addresses, protocol, L4 length (the same fold for IPv4 and IPv6).
        int pseudo;
        if (ipv6) {
            dst.set(BE16, l3 + 4, (short) l4Bytes);
            dst.set(BE32, l3 + 20, f);               // 2001:db8::<f>
            pseudo = 0x2001 + 0x0db8 + (f >>> 16) + (f & 0xffff) + 0x2001 + 0x0db8 + 0x0001 + 0x0001;
        } else {
            int src = 0xc6120000 | (f / 250) << 8 | (1 + f % 250);
            dst.set(BE16, l3 + 2, (short) (l3Bytes + l4Bytes));
            dst.set(BE16, l3 + 4, (short) nextIpId[f]);
            nextIpId[f] = (nextIpId[f] + 1) & 0xffff;
            dst.set(BE32, l3 + 12, src);
            dst.set(BE16, l3 + 10, (short) ~fold(sum(dst, l3, 20, 0)));
            pseudo = (src >>> 16) + (src & 0xffff) + 0xc613 + 0x0001;
        }
        pseudo += (kind == Kind.TCP ? 6 : 17) + l4Bytes;
        dst.set(BE16, l4, (short) (SRC_PORT_BASE + f));
        int checksumAt;
        if (kind == Kind.TCP) {
            dst.set(BE32, l4 + 4, (int) nextSeq[f]);
            nextSeq[f] = (nextSeq[f] + payloadBytes) & 0xffffffffL;
            dst.set(ValueLayout.JAVA_BYTE, l4 + 13, (byte) (FLAG_ACK | (lastOfTrain ? FLAG_PSH : 0)));
            if (timestamps) {
                dst.set(BE32, l4 + 24, tsVal[f]);
                if (lastOfTrain) {
                    tsVal[f]++;   // a millisecond clock ticks between a sender's bursts, not within one
                }
            }
            checksumAt = 16;
        } else {
            checksumAt = 6;
        }
        int s = fold(sum(dst, l4, l4HeaderBytes, pseudo) + payloadSum);
        int checksum = ~s & 0xffff;
        if (kind == Kind.UDP && checksum == 0) {
            checksum = 0xffff;   // 0 means "no checksum" in UDP
        }
        dst.set(BE16, l4 + checksumAt, (short) checksum);
        return frameBytes();
    }

    /** One's-complement sum of {@code len} bytes (big-endian 16-bit words), not folded. */
    static int sum(MemorySegment s, long offset, int len, int initial) {
        long acc = initial;
        int i = 0;
        for (; i + 1 < len; i += 2) {
            acc += Short.toUnsignedInt(s.get(BE16, offset + i));
        }
        if (i < len) {
            acc += (s.get(ValueLayout.JAVA_BYTE, offset + i) & 0xff) << 8;
        }
        return fold(acc);
    }

    private static int fold(long acc) {
        while (acc >>> 16 != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        return (int) acc;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s%s %d flows, %d-byte payload%s, trains of %d", kind.name().toLowerCase(
                Locale.ROOT), ipv6 ? "/ipv6" : "", flows, payloadBytes, timestamps ? ", timestamps" : "", train);
    }
}
