package io.cpumapd.pcap;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

/**
 * Fluent builder of well-formed Ethernet frames (no FCS) for tests, benchmarks and the demo
 * capture. Every length and checksum is computed, so a frame is only "wrong" where a test asks
 * for it: {@link #buildTruncated(int)}, or bytes patched after {@link #build()}.
 *
 * <pre>{@code
 * byte[] syn = FrameBuilder.ethernet().dstMac("02:00:00:00:00:02").vlan(10)
 *         .ipv4("198.18.0.1", "198.18.0.2").tcp(40000, 80).tcpFlags(FrameBuilder.SYN)
 *         .sequencedPayload(42, 100).build();
 * }</pre>
 */
public final class FrameBuilder {

    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
    public static final int ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_IPV6 = 0x86dd;
    public static final int TPID_8021Q = 0x8100, TPID_8021AD = 0x88a8;
    public static final int PROTO_HOPOPT = 0, PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17,
            PROTO_IPV6_FRAG = 44, PROTO_ICMPV6 = 58;
    /** Ethernet minimum frame size without the 4-byte FCS. */
    public static final int MIN_FRAME = 60;
    /** Length of the sequence id that starts a {@link #sequencedPayload(long, int)}. */
    public static final int SEQUENCE_ID_LEN = 8;

    private enum L3 { NONE, IPV4, IPV6 }
    private enum L4 { NONE, TCP, UDP, ICMP_ECHO, RAW }

    private byte[] dstMac = parseMac("02:00:00:00:00:02");
    private byte[] srcMac = parseMac("02:00:00:00:00:01");
    private final List<int[]> tags = new ArrayList<>(); // {tpid, tci}, outermost first
    private int etherType = -1;
    private boolean ieee8023;
    private L3 l3 = L3.NONE;
    private byte[] srcIp, dstIp;
    private int ttl = 64, tos, ipId, flowLabel;
    private boolean dontFragment, fragmented, moreFragments, hopByHop;
    private int fragmentOffset;
    private byte[] ipOptions = new byte[0];
    private L4 l4 = L4.NONE;
    private int protocol = -1, srcPort, dstPort, tcpFlags = ACK, window = 65535, icmpId, icmpSeq;
    private long tcpSeq, tcpAck;
    private byte[] payload = new byte[0];

    private FrameBuilder() {
    }

    public static FrameBuilder ethernet() {
        return new FrameBuilder();
    }

    // ---- layer 2 ----

    public FrameBuilder dstMac(String mac) {
        return dstMac(parseMac(mac));
    }

    public FrameBuilder srcMac(String mac) {
        return srcMac(parseMac(mac));
    }

    public FrameBuilder dstMac(byte[] mac) {
        dstMac = checkMac(mac);
        return this;
    }

    public FrameBuilder srcMac(byte[] mac) {
        srcMac = checkMac(mac);
        return this;
    }

    /** Adds an 802.1Q tag (priority 0) inside any tags already added. */
    public FrameBuilder vlan(int vid) {
        return vlan(TPID_8021Q, 0, vid);
    }

    /** Adds a tag with any TPID; tags nest in call order, the first is outermost. */
    public FrameBuilder vlan(int tpid, int pcp, int vid) {
        if (vid < 0 || vid > 4095 || pcp < 0 || pcp > 7) {
            throw new IllegalArgumentException("vid 0..4095, pcp 0..7: " + vid + ", " + pcp);
        }
        tags.add(new int[] {tpid & 0xffff, pcp << 13 | vid});
        return this;
    }

    /** 802.1ad service tag outside an 802.1Q customer tag. */
    public FrameBuilder qinq(int outerVid, int innerVid) {
        return vlan(TPID_8021AD, 0, outerVid).vlan(TPID_8021Q, 0, innerVid);
    }

    /** Raw EtherType for a frame without an IP layer: the payload follows the Ethernet header. */
    public FrameBuilder etherType(int type) {
        etherType = type & 0xffff;
        return this;
    }

    /** 802.3 framing: the type field holds the payload length (&lt; 1536), e.g. for LLC frames. */
    public FrameBuilder ieee8023() {
        ieee8023 = true;
        return this;
    }

    // ---- layer 3 ----

    /** IPv4 from literals only: a host name throws instead of triggering a DNS lookup. */
    public FrameBuilder ipv4(String src, String dst) {
        return ip(Inet4Address.ofLiteral(src), Inet4Address.ofLiteral(dst));
    }

    public FrameBuilder ipv6(String src, String dst) {
        return ip(Inet6Address.ofLiteral(src), Inet6Address.ofLiteral(dst));
    }

    /** IPv4 or IPv6 from the address family; both addresses must be of the same one. */
    public FrameBuilder ip(InetAddress src, InetAddress dst) {
        return ip(src.getAddress(), dst.getAddress());
    }

    /** 4-byte addresses give IPv4, 16-byte addresses IPv6. */
    public FrameBuilder ip(byte[] src, byte[] dst) {
        if (src.length != dst.length || (src.length != 4 && src.length != 16)) {
            throw new IllegalArgumentException("need two IPv4 or two IPv6 addresses");
        }
        l3 = src.length == 4 ? L3.IPV4 : L3.IPV6;
        srcIp = src.clone();
        dstIp = dst.clone();
        return this;
    }

    /** TTL for IPv4, hop limit for IPv6. */
    public FrameBuilder ttl(int ttl) {
        this.ttl = ttl & 0xff;
        return this;
    }

    /** TOS for IPv4, traffic class for IPv6. */
    public FrameBuilder tos(int tos) {
        this.tos = tos & 0xff;
        return this;
    }

    /** IPv4 identification, also the IPv6 fragment header's identification. */
    public FrameBuilder ipId(int id) {
        ipId = id;
        return this;
    }

    public FrameBuilder flowLabel(int label) {
        flowLabel = label & 0xfffff;
        return this;
    }

    public FrameBuilder dontFragment() {
        dontFragment = true;
        return this;
    }

    /**
     * Marks the packet as a fragment: IPv4 header fields, or an IPv6 fragment header.
     * A non-zero offset gives a non-first fragment, which carries only the payload bytes
     * (no L4 header), as a real one does; the protocol field still names the L4 protocol.
     */
    public FrameBuilder fragment(int offsetBytes, boolean more) {
        if (offsetBytes < 0 || offsetBytes % 8 != 0 || offsetBytes > 0xfff8) {
            throw new IllegalArgumentException("fragment offset must be a multiple of 8 in 0..65528");
        }
        fragmented = true;
        fragmentOffset = offsetBytes;
        moreFragments = more;
        return this;
    }

    /** IPv4 options, padded with end-of-list bytes to a multiple of 4 (at most 40 bytes). */
    public FrameBuilder ipOptions(byte[] options) {
        int padded = (options.length + 3) & ~3;
        if (padded > 40) {
            throw new IllegalArgumentException("IPv4 options exceed 40 bytes");
        }
        ipOptions = Arrays.copyOf(options, padded);
        return this;
    }

    /** Adds an 8-byte IPv6 hop-by-hop options header (just PadN) before the upper layer. */
    public FrameBuilder hopByHop() {
        hopByHop = true;
        return this;
    }

    // ---- layer 4 ----

    public FrameBuilder tcp(int srcPort, int dstPort) {
        return l4(L4.TCP, PROTO_TCP, srcPort, dstPort);
    }

    public FrameBuilder udp(int srcPort, int dstPort) {
        return l4(L4.UDP, PROTO_UDP, srcPort, dstPort);
    }

    /** ICMP echo request for IPv4, ICMPv6 echo request for IPv6. */
    public FrameBuilder icmpEcho(int id, int seq) {
        icmpId = id & 0xffff;
        icmpSeq = seq & 0xffff;
        return l4(L4.ICMP_ECHO, -1, 0, 0);
    }

    /** Any IP protocol number; the payload follows the IP header unchanged. */
    public FrameBuilder rawProtocol(int protocol) {
        return l4(L4.RAW, protocol & 0xff, 0, 0);
    }

    /** TCP flag bits, e.g. {@code SYN} or {@code PSH | ACK}; the default is ACK. */
    public FrameBuilder tcpFlags(int flags) {
        tcpFlags = flags & 0xff;
        return this;
    }

    public FrameBuilder tcpSeq(long seq) {
        tcpSeq = seq;
        return this;
    }

    public FrameBuilder tcpAck(long ack) {
        tcpAck = ack;
        return this;
    }

    public FrameBuilder tcpWindow(int window) {
        this.window = window & 0xffff;
        return this;
    }

    // ---- payload ----

    public FrameBuilder payload(byte[] bytes) {
        payload = bytes.clone();
        return this;
    }

    /**
     * A payload of {@code length} bytes: the big-endian 64-bit {@code sequenceId}, then the
     * pattern byte {@code (byte) i} at payload offset i, so a receiver can check both which
     * packet arrived and that its bytes are intact.
     */
    public FrameBuilder sequencedPayload(long sequenceId, int length) {
        if (length < SEQUENCE_ID_LEN) {
            throw new IllegalArgumentException("payload too short for a sequence id: " + length);
        }
        byte[] p = new byte[length];
        for (int i = SEQUENCE_ID_LEN; i < length; i++) {
            p[i] = (byte) i;
        }
        ByteBuffer.wrap(p).putLong(0, sequenceId);
        payload = p;
        return this;
    }

    // ---- output ----

    /** Bytes before the payload: Ethernet, tags, IP header and extensions, L4 header. */
    public int headerLength() {
        return 14 + 4 * tags.size() + l3HeaderLength() + l4HeaderLength();
    }

    /** The frame, padded with zeros to {@link #MIN_FRAME} bytes. */
    public byte[] build() {
        byte[] frame = buildUnpadded();
        return frame.length >= MIN_FRAME ? frame : Arrays.copyOf(frame, MIN_FRAME);
    }

    /** The unpadded frame cut after {@code length} bytes, for malformed-frame tests. */
    public byte[] buildTruncated(int length) {
        return truncate(buildUnpadded(), length);
    }

    public static byte[] truncate(byte[] frame, int length) {
        if (length < 0 || length > frame.length) {
            throw new IllegalArgumentException("cut at " + length + " of a " + frame.length + "-byte frame");
        }
        return Arrays.copyOf(frame, length);
    }

    private byte[] buildUnpadded() {
        validate();
        byte[] l4bytes = l4Segment();
        ByteBuffer b = ByteBuffer.allocate(14 + 4 * tags.size() + l3HeaderLength() + l4bytes.length);
        b.put(dstMac).put(srcMac);
        for (int[] tag : tags) {
            b.putShort((short) tag[0]).putShort((short) tag[1]);
        }
        b.putShort((short) typeField());
        switch (l3) {
            case IPV4 -> putIpv4Header(b, l4bytes.length);
            case IPV6 -> putIpv6Headers(b, l4bytes.length);
            case NONE -> { }
        }
        return b.put(l4bytes).array();
    }

    private void validate() {
        if (ieee8023 && (l3 != L3.NONE || payload.length >= 1536)) {
            throw new IllegalStateException("802.3 frames carry no IP layer and under 1536 payload bytes");
        }
        if (l3 == L3.NONE && l4 != L4.NONE) {
            throw new IllegalStateException("an L4 protocol needs ipv4(...) or ipv6(...) first");
        }
        if (l3 == L3.NONE && etherType < 0 && !ieee8023) {
            throw new IllegalStateException("set an IP layer, etherType(...) or ieee8023()");
        }
        if (l3 == L3.IPV6 && ipOptions.length > 0) {
            throw new IllegalStateException("IPv4 options on an IPv6 packet");
        }
        if (l3 == L3.IPV4 && hopByHop) {
            throw new IllegalStateException("hop-by-hop header on an IPv4 packet");
        }
    }

    private int typeField() {
        return switch (l3) {
            case IPV4 -> ETHERTYPE_IPV4;
            case IPV6 -> ETHERTYPE_IPV6;
            case NONE -> ieee8023 ? payload.length : etherType;
        };
    }

    private boolean nonFirstFragment() {
        return fragmented && fragmentOffset > 0;
    }

    private int l3HeaderLength() {
        return switch (l3) {
            case IPV4 -> 20 + ipOptions.length;
            case IPV6 -> 40 + (hopByHop ? 8 : 0) + (fragmented ? 8 : 0);
            case NONE -> 0;
        };
    }

    private int l4HeaderLength() {
        if (nonFirstFragment()) {
            return 0;
        }
        return switch (l4) {
            case TCP -> 20;
            case UDP, ICMP_ECHO -> 8;
            case RAW, NONE -> 0;
        };
    }

    private int l4Protocol() {
        return switch (l4) {
            case ICMP_ECHO -> l3 == L3.IPV6 ? PROTO_ICMPV6 : PROTO_ICMP;
            case NONE -> 253; // RFC 3692 experimental: an IP payload no dissector interprets
            default -> protocol;
        };
    }

    private FrameBuilder l4(L4 kind, int proto, int src, int dst) {
        if ((src | dst) >>> 16 != 0) {
            throw new IllegalArgumentException("ports 0..65535: " + src + ", " + dst);
        }
        l4 = kind;
        protocol = proto;
        srcPort = src;
        dstPort = dst;
        return this;
    }

    /** L4 header and payload with the checksum filled in. */
    private byte[] l4Segment() {
        int hlen = l4HeaderLength();
        ByteBuffer s = ByteBuffer.allocate(hlen + payload.length);
        if (hlen > 0) {
            switch (l4) {
                case TCP -> s.putShort((short) srcPort).putShort((short) dstPort)
                        .putInt((int) tcpSeq).putInt((int) tcpAck)
                        .putShort((short) (5 << 12 | tcpFlags)).putShort((short) window)
                        .putInt(0); // checksum, urgent pointer
                case UDP -> s.putShort((short) srcPort).putShort((short) dstPort)
                        .putShort((short) (8 + payload.length)).putShort((short) 0);
                case ICMP_ECHO -> s.put((byte) (l3 == L3.IPV6 ? 128 : 8)).put((byte) 0)
                        .putShort((short) 0).putShort((short) icmpId).putShort((short) icmpSeq);
                default -> throw new AssertionError(l4);
            }
        }
        byte[] seg = s.put(payload).array();
        if (hlen > 0) {
            int at = l4 == L4.TCP ? 16 : l4 == L4.UDP ? 6 : 2;
            // ICMPv4 is the one checksum without a pseudo-header.
            long acc = l4 == L4.ICMP_ECHO && l3 == L3.IPV4 ? 0 : pseudoHeaderSum(seg.length);
            int c = finish(sum(acc, seg, 0, seg.length));
            // A computed UDP checksum of 0 is sent as 0xffff: 0 means "none" on the wire.
            if (c == 0 && l4 == L4.UDP) {
                c = 0xffff;
            }
            seg[at] = (byte) (c >>> 8);
            seg[at + 1] = (byte) c;
        }
        return seg;
    }

    private long pseudoHeaderSum(int l4len) {
        long acc = sum(0, srcIp, 0, srcIp.length);
        acc = sum(acc, dstIp, 0, dstIp.length);
        // IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, zeros, next header. Both
        // reduce to adding the length and the protocol as 16-bit words.
        return acc + (l4len >>> 16) + (l4len & 0xffff) + l4Protocol();
    }

    private void putIpv4Header(ByteBuffer b, int l4len) {
        int start = b.position();
        int hlen = 20 + ipOptions.length;
        int flags = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset / 8;
        b.put((byte) (0x40 | hlen / 4)).put((byte) tos).putShort((short) (hlen + l4len))
                .putShort((short) ipId).putShort((short) flags)
                .put((byte) ttl).put((byte) l4Protocol()).putShort((short) 0)
                .put(srcIp).put(dstIp).put(ipOptions);
        b.putShort(start + 10, (short) finish(sum(0, b.array(), start, hlen)));
    }

    private void putIpv6Headers(ByteBuffer b, int l4len) {
        int next = hopByHop ? PROTO_HOPOPT : fragmented ? PROTO_IPV6_FRAG : l4Protocol();
        b.putInt(6 << 28 | tos << 20 | flowLabel)
                .putShort((short) (l3HeaderLength() - 40 + l4len))
                .put((byte) next).put((byte) ttl).put(srcIp).put(dstIp);
        if (hopByHop) {
            // Next header, length 0 (= 8 bytes), then a PadN option filling the remaining 6.
            b.put((byte) (fragmented ? PROTO_IPV6_FRAG : l4Protocol())).put((byte) 0)
                    .put((byte) 1).put((byte) 4).putInt(0);
        }
        if (fragmented) {
            b.put((byte) l4Protocol()).put((byte) 0)
                    .putShort((short) (fragmentOffset | (moreFragments ? 1 : 0))).putInt(ipId);
        }
    }

    // ---- helpers ----

    /** Parses "aa:bb:cc:dd:ee:ff" (or with dashes). */
    public static byte[] parseMac(String mac) {
        String hex = mac.replace(":", "").replace("-", "");
        if (hex.length() != 12) {
            throw new IllegalArgumentException("not a MAC address: " + mac);
        }
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] checkMac(byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("MAC address needs 6 bytes, got " + mac.length);
        }
        return mac.clone();
    }

    /**
     * The sequence id of a frame whose L4 payload is a {@link #sequencedPayload}: walks
     * Ethernet, VLAN tags, IPv4 (with options) or IPv6 (hop-by-hop, fragment) and TCP, UDP or
     * ICMP echo. Empty for anything else, including non-first fragments and cut-off frames.
     */
    public static OptionalLong sequenceIdOf(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        int at = 12;
        int type;
        while (true) {
            if (at + 2 > f.length) {
                return OptionalLong.empty();
            }
            type = b.getShort(at) & 0xffff;
            at += 2;
            if (type != TPID_8021Q && type != TPID_8021AD) {
                break;
            }
            at += 2;
        }
        int proto;
        int end; // end of the IP packet: Ethernet padding must not be read as payload
        if (type == ETHERTYPE_IPV4 && at + 20 <= f.length) {
            if ((b.getShort(at + 6) & 0x1fff) != 0) {
                return OptionalLong.empty();
            }
            proto = f[at + 9] & 0xff;
            end = at + (b.getShort(at + 2) & 0xffff);
            at += (f[at] & 0xf) * 4;
        } else if (type == ETHERTYPE_IPV6 && at + 40 <= f.length) {
            proto = f[at + 6] & 0xff;
            end = at + 40 + (b.getShort(at + 4) & 0xffff);
            at += 40;
            while (proto == PROTO_HOPOPT || proto == PROTO_IPV6_FRAG) {
                if (at + 8 > f.length || proto == PROTO_IPV6_FRAG && (b.getShort(at + 2) & 0xfff8) != 0) {
                    return OptionalLong.empty();
                }
                int next = f[at] & 0xff;
                at += proto == PROTO_HOPOPT ? 8 + (f[at + 1] & 0xff) * 8 : 8;
                proto = next;
            }
        } else {
            return OptionalLong.empty();
        }
        if (proto == PROTO_TCP) {
            if (at + 13 > f.length) {
                return OptionalLong.empty();
            }
            at += (f[at + 12] >>> 4 & 0xf) * 4;
        } else if (proto == PROTO_UDP || proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
            at += 8;
        } else {
            return OptionalLong.empty();
        }
        return at + SEQUENCE_ID_LEN <= Math.min(end, f.length)
                ? OptionalLong.of(b.getLong(at)) : OptionalLong.empty();
    }

    /** Adds big-endian 16-bit words to a 64-bit accumulator (no overflow even for jumbo frames). */
    private static long sum(long acc, byte[] bytes, int off, int len) {
        int i = off;
        for (int end = off + (len & ~1); i < end; i += 2) {
            acc += (bytes[i] & 0xff) << 8 | bytes[i + 1] & 0xff;
        }
        if ((len & 1) != 0) {
            acc += (bytes[i] & 0xff) << 8;
        }
        return acc;
    }

    /** Folds the carries back in (one's complement addition) and complements. */
    private static int finish(long acc) {
        while (acc >>> 16 != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        return (int) ~acc & 0xffff;
    }
}
