package io.cpumapd.skb;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.packet.Headers;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Fills reused {@link SkBuff}s from received frames, as the kernel's cpumap does when it turns an
 * xdp_frame into an skb (build the skb around the data, then eth_type_trans), but keeping what the
 * kernel leaves out there: RSS hash, VLAN TCI, RX queue and the NIC's checksum verdict.
 *
 * <p>One per consumer thread: it owns a {@link Headers} scratch and single-writer counters.
 */
public final class SkBuffBuilder {
    /** {@link #deviceMac(long)} value meaning "unknown": every unicast frame is then PACKET_HOST. */
    public static final long NO_DEVICE_MAC = -1L;

    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    private static final long BROADCAST_MAC = MAC_MASK;
    /** The I/G bit: least significant bit of the first octet on the wire. */
    private static final long GROUP_ADDRESS_BIT = 1L << 40;
    /** Raw 802.3 (Novell IPX) frames start their payload with this where LLC would have DSAP/SSAP. */
    private static final int RAW_802_3_MARKER = 0xFFFF;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Headers headers = new Headers();
    private long deviceMac = NO_DEVICE_MAC;
    private static final int BUILT = 0;
    private static final int TOO_SHORT = 1;
    /** Single writer (the builder's thread), read by metrics and tests on other threads. */
    private final CounterBlock counters = new CounterBlock(2);

    /** The MAC of the device the frames are delivered to, as 48 bits (first octet most significant). */
    public SkBuffBuilder deviceMac(long macAs48Bits) {
        if (macAs48Bits != NO_DEVICE_MAC && (macAs48Bits & ~MAC_MASK) != 0) {
            throw new IllegalArgumentException("not a 48-bit MAC: 0x" + Long.toHexString(macAs48Bits));
        }
        this.deviceMac = macAs48Bits;
        return this;
    }

    public long deviceMac() {
        return deviceMac;
    }

    /** Fills {@code skb} from mbuf {@code m}: its data, RX metadata and cpumapd's metadata area. */
    public boolean build(SkBuff skb, long m) {
        return build(skb, m, Mbuf.dataAddress(m), Mbuf.dataLength(m), Mbuf.port(m), Mbuf.queue(m),
                Mbuf.rssHash(m), Mbuf.olFlags(m), Mbuf.vlanTci(m), Mbuf.mark(m), Mbuf.userValue(m),
                Mbuf.timestampNs(m));
    }

    /**
     * Fills {@code skb} for the frame of {@code length} bytes at {@code dataAddress}.
     *
     * @param rssHash        the mbuf's RSS hash, used when {@code olFlags} has {@link OlFlags#RX_RSS_HASH}
     * @param vlanTciOffload the mbuf's vlan_tci, used when {@code olFlags} has {@link OlFlags#RX_VLAN}
     * @return false, counting it, for a frame too short for an Ethernet header (drop it)
     */
    public boolean build(SkBuff skb, long mbuf, long dataAddress, int length, int port, int queue, int rssHash,
                         long olFlags, int vlanTciOffload, int mark, int userValue, long timestampNs) {
        if (length < Headers.ETHER_HEADER_BYTES) {
            counters.increment(TOO_SHORT);
            return false;
        }
        headers.parse(dataAddress, length);
        skb.mbuf = mbuf;
        skb.dataAddress = dataAddress;
        skb.lengthBytes = length;
        skb.macHeaderOffset = 0;
        skb.protocol = ethTypeTrans(dataAddress, length);
        skb.l3Protocol = headers.etherType();
        skb.pktType = pktType(dataAddress);
        skb.networkHeaderOffset = headers.l2Valid() ? headers.l3Offset() : Headers.ETHER_HEADER_BYTES;
        skb.transportHeaderOffset = headers.l3Valid() ? headers.l4Offset() : -1;
        setVlan(skb, olFlags, vlanTciOffload);
        boolean hashPresent = (olFlags & OlFlags.RX_RSS_HASH) != 0;
        skb.rxHash = hashPresent ? rssHash : 0;
        // The NIC's RSS config is unknown here; assume it hashes ports whenever the packet has them.
        skb.rxHashL4 = hashPresent && headers.srcPort() >= 0 && !headers.isFragment();
        skb.checksumState = (olFlags & OlFlags.RX_L4_CKSUM_MASK) == OlFlags.RX_L4_CKSUM_GOOD
                ? SkBuff.CHECKSUM_UNNECESSARY
                : SkBuff.CHECKSUM_NONE;
        skb.mark = mark;
        skb.userValue = userValue;
        skb.ingressPort = port;
        skb.ingressQueue = queue;
        skb.timestampNs = timestampNs;
        skb.writeVnetHeader();
        counters.increment(BUILT);
        return true;
    }

    /** The parse of the last frame built, for callers that want more than the SkBuff keeps. */
    public Headers headers() {
        return headers;
    }

    public long built() {
        return counters.get(BUILT);
    }

    public long tooShort() {
        return counters.get(TOO_SHORT);
    }

    private void setVlan(SkBuff skb, long olFlags, int vlanTciOffload) {
        if ((olFlags & OlFlags.RX_VLAN) != 0) {
            skb.vlanPresent = true;
            skb.vlanTci = vlanTciOffload & 0xFFFF;
            skb.vlanStripped = (olFlags & OlFlags.RX_VLAN_STRIPPED) != 0;
        } else {
            skb.vlanPresent = headers.vlanCount() > 0;
            skb.vlanTci = skb.vlanPresent ? headers.outerVlanTci() : 0;
            skb.vlanStripped = false;
        }
    }

    /**
     * eth_type_trans's protocol: the field at offset 12 when it is an EtherType (≥ 0x0600); for an
     * 802.3 length frame, ETH_P_802_3 if the payload starts with 0xFFFF (raw Novell), else ETH_P_802_2.
     * VLAN tags are not looked through: the kernel untags later, in the receive path.
     */
    private static int ethTypeTrans(long dataAddress, int length) {
        int typeOrLength = u16(dataAddress + 12);
        if (typeOrLength >= Headers.ETH_P_802_3_MIN) {
            return typeOrLength;
        }
        boolean rawNovell = length >= Headers.ETHER_HEADER_BYTES + 2
                && u16(dataAddress + Headers.ETHER_HEADER_BYTES) == RAW_802_3_MARKER;
        return rawNovell ? SkBuff.ETH_P_802_3 : SkBuff.ETH_P_802_2;
    }

    private int pktType(long dataAddress) {
        long dst = (Native.ALL.get(U32, dataAddress) & 0xFFFF_FFFFL) << 16 | u16(dataAddress + 4);
        if ((dst & GROUP_ADDRESS_BIT) != 0) {
            return dst == BROADCAST_MAC ? SkBuff.PACKET_BROADCAST : SkBuff.PACKET_MULTICAST;
        }
        return deviceMac == NO_DEVICE_MAC || dst == deviceMac ? SkBuff.PACKET_HOST : SkBuff.PACKET_OTHERHOST;
    }

    private static int u16(long address) {
        return Native.ALL.get(U16, address) & 0xFFFF;
    }
}
