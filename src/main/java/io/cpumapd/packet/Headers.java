package io.cpumapd.packet;

import io.cpumapd.dpdk.Native;

/**
 * The parsed headers of one Ethernet frame, read in place from native memory.
 *
 * <p>Mutable and reused: one instance per thread, {@link #parse} overwrites every field, so the hot
 * path allocates nothing. Offsets are in bytes from the start of the frame; -1 means "not present".
 * Every read is length-checked first, so a truncated or malformed frame gives a partial result and
 * never an exception. The validity flags nest: {@code l4Valid ⇒ l3Valid ⇒ addressLength > 0 ⇒ l2Valid}.
 * <ul>
 *   <li>{@link #l2Valid()}: the Ethernet header and its VLAN tags are complete.</li>
 *   <li>{@link #addressLength()} &gt; 0: the fixed IPv4 (20 bytes) or IPv6 (40 bytes) header is present
 *       with the right version, so the addresses can be hashed even if options are cut off.</li>
 *   <li>{@link #l3Valid()}: the whole L3 header (IPv4 options, IPv6 extension headers) is present and
 *       sane; {@link #l4Protocol()} and {@link #l4Offset()} are known (for a later fragment the
 *       offset is where its payload starts).</li>
 *   <li>{@link #l4Valid()}: a TCP, UDP, SCTP, ICMP or ICMPv6 header is complete in an unfragmented
 *       packet or a first fragment, and its ports / flags / type were read.</li>
 * </ul>
 */
public final class Headers {
    public static final int ETHER_HEADER_BYTES = 14;
    public static final int VLAN_TAG_BYTES = 4;
    public static final int MAX_VLAN_TAGS = 2;
    /** Bounds the IPv6 extension-header walk so a crafted chain cannot cost more than this. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;

    public static final int ETH_P_IPV4 = 0x0800;
    public static final int ETH_P_ARP = 0x0806;
    public static final int ETH_P_8021Q = 0x8100;
    public static final int ETH_P_8021AD = 0x88A8;
    public static final int ETH_P_IPV6 = 0x86DD;
    /** Values below this in the EtherType field are 802.3 frame lengths, not protocols. */
    public static final int ETH_P_802_3_MIN = 0x0600;
    /** {@link #etherType()} of an 802.3 length frame. */
    public static final int ETHER_TYPE_LENGTH_FRAME = -1;

    public static final int IPPROTO_HOPOPTS = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ROUTING = 43;
    public static final int IPPROTO_FRAGMENT = 44;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int IPPROTO_DSTOPTS = 60;
    public static final int IPPROTO_SCTP = 132;

    private static final int IPV4_MIN_HEADER_BYTES = 20;
    private static final int IPV6_HEADER_BYTES = 40;
    private static final int IPV6_FRAGMENT_HEADER_BYTES = 8;
    private static final int TCP_MIN_HEADER_BYTES = 20;
    private static final int UDP_HEADER_BYTES = 8;
    private static final int SCTP_COMMON_HEADER_BYTES = 12;
    private static final int ICMP_MIN_HEADER_BYTES = 4;

    private long dataAddress;
    private int lengthBytes;
    private boolean l2Valid;
    private boolean l3Valid;
    private boolean l4Valid;
    private int l2LengthBytes;
    private int vlanCount;
    private int outerVlanTci;
    private int etherType;
    private int l3Offset;
    private int ipVersion;
    private int l3HeaderLengthBytes;
    private int l4Protocol;
    private int l4Offset;
    private boolean fragment;
    private boolean firstFragment;
    private int srcAddressOffset;
    private int dstAddressOffset;
    private int addressLengthBytes;
    private int srcPort;
    private int dstPort;
    private int tcpFlags;
    private int icmpType;

    public Headers() {
        reset(0, 0);
    }

    /**
     * Parses the frame of {@code length} bytes at absolute address {@code dataAddress}.
     *
     * @return {@link #l2Valid()}: false for a frame shorter than its Ethernet header and VLAN tags
     */
    public boolean parse(long dataAddress, int length) {
        reset(dataAddress, Math.max(length, 0));
        if (lengthBytes < ETHER_HEADER_BYTES) {
            return false;
        }
        int type = u16(12);
        int offset = ETHER_HEADER_BYTES;
        while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && vlanCount < MAX_VLAN_TAGS) {
            if (offset + VLAN_TAG_BYTES > lengthBytes) {
                return false;
            }
            int tag = u32(offset);        // TCI, then the EtherType it tags
            if (vlanCount == 0) {
                outerVlanTci = tag >>> 16;
            }
            type = tag & 0xFFFF;
            offset += VLAN_TAG_BYTES;
            vlanCount++;
        }
        l2Valid = true;
        l2LengthBytes = offset;
        l3Offset = offset;
        etherType = type >= ETH_P_802_3_MIN ? type : ETHER_TYPE_LENGTH_FRAME;
        // The L4 parse is called from one place only: each FFM read site adds to what the compiler must
        // inline into the caller, and a filter reading further fields would otherwise outgrow it.
        int l4End = NO_L4;
        if (type == ETH_P_IPV4) {
            l4End = parseIpv4(offset);
        } else if (type == ETH_P_IPV6) {
            l4End = parseIpv6(offset);
        }
        if (l4End != NO_L4) {
            parseL4(l4End, ipVersion == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
        }
        return true;
    }

    private void reset(long address, int length) {
        // Both masks change nothing (a user-space address, offsets checked to be in the frame): they let
        // the JIT prove every read below is in range of Native.ALL and drop its bounds checks.
        dataAddress = address & Native.ADDRESS_MASK;
        lengthBytes = length;
        l2Valid = false;
        l3Valid = false;
        l4Valid = false;
        l2LengthBytes = -1;
        vlanCount = 0;
        outerVlanTci = -1;
        etherType = 0;
        l3Offset = -1;
        ipVersion = 0;
        l3HeaderLengthBytes = -1;
        l4Protocol = -1;
        l4Offset = -1;
        fragment = false;
        firstFragment = false;
        srcAddressOffset = -1;
        dstAddressOffset = -1;
        addressLengthBytes = 0;
        srcPort = -1;
        dstPort = -1;
        tcpFlags = -1;
        icmpType = -1;
    }

    /** What an L3 parse returns when there is no L4 header to parse. */
    private static final int NO_L4 = -1;

    /** @return where the L4 header may end, or {@link #NO_L4} */
    private int parseIpv4(int offset) {
        if (offset + IPV4_MIN_HEADER_BYTES > lengthBytes) {
            return NO_L4;
        }
        // Two loads for the fields used, not one per field: every load inlines the whole FFM access
        // chain, and a filter that also reads addresses would otherwise outgrow the JIT's inlining budget.
        long head = u64(offset);          // version+IHL, DSCP, total length, id, flags+fragment offset
        int versionAndIhl = (int) (head >>> 56);
        if (versionAndIhl >>> 4 != 4) {
            return NO_L4;
        }
        ipVersion = 4;
        addressLengthBytes = 4;
        srcAddressOffset = offset + 12;
        dstAddressOffset = offset + 16;
        int headerBytes = (versionAndIhl & 0x0F) * 4;
        int totalLengthBytes = (int) (head >>> 32) & 0xFFFF;
        if (headerBytes < IPV4_MIN_HEADER_BYTES || totalLengthBytes < headerBytes
                || offset + headerBytes > lengthBytes) {
            return NO_L4;
        }
        int flagsAndFragmentOffset = (int) head & 0xFFFF;
        int fragmentOffset = flagsAndFragmentOffset & 0x1FFF;
        boolean moreFragments = (flagsAndFragmentOffset & 0x2000) != 0;
        fragment = moreFragments || fragmentOffset != 0;
        firstFragment = fragment && fragmentOffset == 0;
        l3HeaderLengthBytes = headerBytes;
        l4Protocol = u32(offset + 8) >>> 16 & 0xFF; // TTL, protocol, checksum
        l4Offset = offset + headerBytes;
        l3Valid = true;
        // Ethernet pads short frames: bytes past the IP total length are not L4 header.
        return fragmentOffset == 0 ? Math.min(lengthBytes, offset + totalLengthBytes) : NO_L4;
    }

    /** @return where the L4 header may end, or {@link #NO_L4} */
    private int parseIpv6(int offset) {
        if (offset + IPV6_HEADER_BYTES > lengthBytes) {
            return NO_L4;
        }
        long head = u64(offset);          // version, class, flow label, payload length, next header, hop limit
        if (head >>> 60 != 6) {
            return NO_L4;
        }
        ipVersion = 6;
        addressLengthBytes = 16;
        srcAddressOffset = offset + 8;
        dstAddressOffset = offset + 24;
        int payloadLengthBytes = (int) (head >>> 16) & 0xFFFF;
        // Payload length 0 is a jumbogram (length in a hop-by-hop option): trust the frame length.
        int l3End = payloadLengthBytes == 0
                ? lengthBytes
                : Math.min(lengthBytes, offset + IPV6_HEADER_BYTES + payloadLengthBytes);
        int next = (int) (head >>> 8) & 0xFF;
        if (isIpv6ExtensionHeader(next)) {
            // Rare: in a method of its own, so that this one stays small enough to inline.
            return walkIpv6Extensions(offset, l3End, next);
        }
        return ipv6Payload(offset, offset + IPV6_HEADER_BYTES, next, l3End, false);
    }

    private int walkIpv6Extensions(int offset, int l3End, int next) {
        int cursor = offset + IPV6_HEADER_BYTES;
        boolean laterFragment = false;
        for (int walked = 0; isIpv6ExtensionHeader(next) && !laterFragment; walked++) {
            if (walked == MAX_IPV6_EXTENSION_HEADERS || cursor + 8 > l3End) {
                return NO_L4;
            }
            int headerBytes;
            int ext = u32(cursor);        // next header, length (or reserved), fragment offset and flags
            if (next == IPPROTO_FRAGMENT) {
                int offsetAndFlags = ext & 0xFFFF;
                int fragmentOffset = offsetAndFlags >>> 3;
                boolean moreFragments = (offsetAndFlags & 1) != 0;
                // An atomic fragment (offset 0, no M flag) is a whole packet (RFC 6946).
                fragment = moreFragments || fragmentOffset != 0;
                firstFragment = fragment && fragmentOffset == 0;
                // What follows the fragment header of a later fragment is payload, not headers.
                laterFragment = fragmentOffset != 0;
                headerBytes = IPV6_FRAGMENT_HEADER_BYTES;
            } else {
                headerBytes = ((ext >>> 16 & 0xFF) + 1) * 8;
                if (cursor + headerBytes > l3End) {
                    return NO_L4;
                }
            }
            next = ext >>> 24;
            cursor += headerBytes;
        }
        return ipv6Payload(offset, cursor, next, l3End, laterFragment);
    }

    /** The upper-layer header found at {@code cursor}; a later fragment has none to parse. */
    private int ipv6Payload(int offset, int cursor, int next, int l3End, boolean laterFragment) {
        l3HeaderLengthBytes = cursor - offset;
        l4Protocol = next;
        l4Offset = cursor;
        l3Valid = true;
        return laterFragment ? NO_L4 : l3End;
    }

    private static boolean isIpv6ExtensionHeader(int protocol) {
        return protocol == IPPROTO_HOPOPTS || protocol == IPPROTO_ROUTING
                || protocol == IPPROTO_DSTOPTS || protocol == IPPROTO_FRAGMENT;
    }

    private void parseL4(int l3End, int icmpProtocol) {
        int available = l3End - l4Offset;
        boolean ports = l4Protocol == IPPROTO_TCP || l4Protocol == IPPROTO_UDP || l4Protocol == IPPROTO_SCTP;
        int needed = l4Protocol == IPPROTO_TCP ? TCP_MIN_HEADER_BYTES
                : l4Protocol == IPPROTO_UDP ? UDP_HEADER_BYTES
                : l4Protocol == IPPROTO_SCTP ? SCTP_COMMON_HEADER_BYTES
                : l4Protocol == icmpProtocol ? ICMP_MIN_HEADER_BYTES : -1;
        if (needed < 0 || available < needed) {
            return;
        }
        if (l4Protocol == IPPROTO_TCP) {
            int offsetAndFlags = u16(l4Offset + 12);
            int headerBytes = (offsetAndFlags >>> 12) * 4;
            if (headerBytes < TCP_MIN_HEADER_BYTES || headerBytes > available) {
                return;
            }
            tcpFlags = offsetAndFlags & 0xFF;
        }
        // One load for what every L4 header here starts with: ports (TCP, UDP, SCTP) or ICMP type.
        int first = u32(l4Offset);
        if (ports) {
            srcPort = first >>> 16;
            dstPort = first & 0xFFFF;
        } else {
            icmpType = first >>> 24;
        }
        l4Valid = true;
    }

    private int u16(int offset) {
        return Bytes.u16(dataAddress + (offset & Integer.MAX_VALUE));
    }

    private int u32(int offset) {
        return Bytes.u32(dataAddress + (offset & Integer.MAX_VALUE));
    }

    private long u64(int offset) {
        return Bytes.u64(dataAddress + (offset & Integer.MAX_VALUE));
    }

    public long dataAddress() {
        return dataAddress;
    }

    public int length() {
        return lengthBytes;
    }

    public boolean l2Valid() {
        return l2Valid;
    }

    public boolean l3Valid() {
        return l3Valid;
    }

    public boolean l4Valid() {
        return l4Valid;
    }

    /** Ethernet header plus VLAN tags, or -1 when they are cut off. */
    public int l2Length() {
        return l2LengthBytes;
    }

    /** Complete VLAN tags read (802.1Q or 802.1ad), at most {@link #MAX_VLAN_TAGS}. */
    public int vlanCount() {
        return vlanCount;
    }

    /** TCI of the outermost tag (PCP, DEI, VID), or -1 without tags. */
    public int outerVlanTci() {
        return outerVlanTci;
    }

    /**
     * The EtherType after the VLAN tags, {@link #ETHER_TYPE_LENGTH_FRAME} for an 802.3 length frame,
     * 0 when L2 is cut off. After {@link #MAX_VLAN_TAGS} tags a third tag's TPID shows here.
     */
    public int etherType() {
        return etherType;
    }

    public int l3Offset() {
        return l3Offset;
    }

    /** 4 or 6 once the fixed IP header is present, else 0. */
    public int ipVersion() {
        return ipVersion;
    }

    /** IPv4 header with options, or IPv6 header with extension headers; -1 unless {@link #l3Valid()}. */
    public int l3HeaderLength() {
        return l3HeaderLengthBytes;
    }

    /** IP protocol / IPv6 next header after the extension headers, -1 unless {@link #l3Valid()}. */
    public int l4Protocol() {
        return l4Protocol;
    }

    public int l4Offset() {
        return l4Offset;
    }

    public boolean isFragment() {
        return fragment;
    }

    public boolean isFirstFragment() {
        return firstFragment;
    }

    /** A fragment other than the first: it carries no L4 header. */
    public boolean isLaterFragment() {
        return fragment && !firstFragment;
    }

    public int srcAddressOffset() {
        return srcAddressOffset;
    }

    public int dstAddressOffset() {
        return dstAddressOffset;
    }

    /** 4 (IPv4), 16 (IPv6) or 0 when the addresses are not in the frame. */
    public int addressLength() {
        return addressLengthBytes;
    }

    public int srcPort() {
        return srcPort;
    }

    public int dstPort() {
        return dstPort;
    }

    /** The 8 TCP flag bits (CWR..FIN), or -1. */
    public int tcpFlags() {
        return tcpFlags;
    }

    /** ICMP type (ICMPv6 type for IPv6), or -1. */
    public int icmpType() {
        return icmpType;
    }

    @Override
    public String toString() {
        return "Headers[len=" + lengthBytes + " l2=" + l2Valid + "/" + l2LengthBytes + " vlans=" + vlanCount
                + " tci=" + outerVlanTci + " type=0x" + Integer.toHexString(etherType)
                + " ipv" + ipVersion + " l3=" + l3Valid + "@" + l3Offset + "+" + l3HeaderLengthBytes
                + " proto=" + l4Protocol + " l4=" + l4Valid + "@" + l4Offset
                + " frag=" + fragment + " first=" + firstFragment
                + " ports=" + srcPort + ">" + dstPort + " tcpFlags=" + tcpFlags + " icmp=" + icmpType + "]";
    }
}
