package io.cpumapd.skb;

import io.cpumapd.dpdk.Native;
import io.cpumapd.tap.VnetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The user-space counterpart of the {@code sk_buff} the kernel's cpumap builds for a redirected
 * frame, plus what the kernel drops there (RX hash, VLAN, queue, checksum state).
 *
 * <p>Preallocated and reused: {@link SkBuffBuilder#build} overwrites every field, nothing is
 * allocated per packet. The packet bytes stay in the mbuf; this object only describes them. Each
 * SkBuff owns a small native area holding the {@code virtio_net_hdr} to write in front of the frame
 * on a TAP opened with {@code IFF_VNET_HDR}.
 */
public final class SkBuff {
    public static final int PACKET_HOST = 0;
    public static final int PACKET_BROADCAST = 1;
    public static final int PACKET_MULTICAST = 2;
    public static final int PACKET_OTHERHOST = 3;

    public static final int CHECKSUM_NONE = 0;
    public static final int CHECKSUM_UNNECESSARY = 1;
    public static final int CHECKSUM_COMPLETE = 2;
    public static final int CHECKSUM_PARTIAL = 3;

    /** skb->protocol of a raw 802.3 (Novell) length frame. */
    public static final int ETH_P_802_3 = 0x0001;
    /** skb->protocol of an 802.2 LLC length frame. */
    public static final int ETH_P_802_2 = 0x0004;

    /** {@code struct virtio_net_hdr_mrg_rxbuf}: the header size a TAP expects with TUNSETVNETHDRSZ 12. */
    public static final int VNET_HEADER_BYTES = VnetHeader.SIZE_BYTES;
    public static final int VIRTIO_NET_HDR_GSO_NONE = VnetHeader.GSO_NONE;

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int index;
    private final long vnetHeaderAddress;

    long mbuf;
    long dataAddress;
    int lengthBytes;
    int protocol;
    int l3Protocol;
    int macHeaderOffset;
    int networkHeaderOffset;
    int transportHeaderOffset;
    int pktType;
    boolean vlanPresent;
    boolean vlanStripped;
    int vlanTci;
    int rxHash;
    boolean rxHashL4;
    int mark;
    int userValue;
    int ingressPort;
    int ingressQueue;
    int checksumState;
    long timestampNs;

    /**
     * @param index      the slot number in its pool, carried by tagged ring handles
     * @param vnetHeader at least {@link #VNET_HEADER_BYTES} of native memory owned by this SkBuff; it is
     *                   written through {@link Native#ALL}, so any thread may build, whatever the arena
     */
    public SkBuff(int index, MemorySegment vnetHeader) {
        if (vnetHeader.byteSize() < VNET_HEADER_BYTES || !vnetHeader.isNative()) {
            throw new IllegalArgumentException("vnet header area must be native and >= " + VNET_HEADER_BYTES
                    + " bytes: " + vnetHeader);
        }
        this.index = index;
        this.vnetHeaderAddress = vnetHeader.address();
        transportHeaderOffset = -1;
    }

    /**
     * Little-endian on the wire (x86 is; big-endian hosts would need TUNSETVNETLE anyway). No flags,
     * whatever {@link #checksumState()} says: a TAP write ignores DATA_VALID ({@code tun_get_user} →
     * {@code virtio_net_hdr_to_skb} reads only NEEDS_CSUM; TapDataValidTest proves it on this kernel),
     * so the kernel checks a NIC-verified frame all the same, and the flag would only promise what
     * is not kept.
     */
    void writeVnetHeader() {
        // No GSO, no checksum to complete: every field is zero, num_buffers included.
        Native.ALL.set(LE_LONG, vnetHeaderAddress, VIRTIO_NET_HDR_GSO_NONE << 8);
        Native.ALL.set(LE_INT, vnetHeaderAddress + 8, 0);
    }

    public int index() {
        return index;
    }

    /** Absolute address of the 12-byte virtio_net_hdr to write before the frame. */
    public long vnetHeaderAddress() {
        return vnetHeaderAddress;
    }

    /** The {@code rte_mbuf *} the frame lives in, to free after injection. */
    public long mbuf() {
        return mbuf;
    }

    public long dataAddress() {
        return dataAddress;
    }

    public int length() {
        return lengthBytes;
    }

    /** eth_type_trans() result: the EtherType at offset 12 (host order), or ETH_P_802_3 / ETH_P_802_2. */
    public int protocol() {
        return protocol;
    }

    /** The EtherType after any VLAN tags in the frame (-1 for length frames, 0 if the tags are cut off). */
    public int l3Protocol() {
        return l3Protocol;
    }

    public int macHeaderOffset() {
        return macHeaderOffset;
    }

    /** Right after the Ethernet header and the VLAN tags in the frame. */
    public int networkHeaderOffset() {
        return networkHeaderOffset;
    }

    /** After the IP header chain, or -1 when L3 is not a complete IPv4/IPv6 header. */
    public int transportHeaderOffset() {
        return transportHeaderOffset;
    }

    public int pktType() {
        return pktType;
    }

    public boolean vlanPresent() {
        return vlanPresent;
    }

    /** The NIC removed the tag from the data: only {@link #vlanTci()} still has it. */
    public boolean vlanStripped() {
        return vlanStripped;
    }

    /** Outer VLAN TCI, meaningful when {@link #vlanPresent()}. */
    public int vlanTci() {
        return vlanTci;
    }

    /** The NIC's RSS hash, 0 when it gave none (0 is "no hash" for the kernel too). */
    public int rxHash() {
        return rxHash;
    }

    /** The hash covers the L4 ports (TCP/UDP/SCTP, not a fragment), like skb->l4_hash. */
    public boolean rxHashL4() {
        return rxHashL4;
    }

    public int mark() {
        return mark;
    }

    public int userValue() {
        return userValue;
    }

    public int ingressPort() {
        return ingressPort;
    }

    public int ingressQueue() {
        return ingressQueue;
    }

    public int checksumState() {
        return checksumState;
    }

    public long timestampNs() {
        return timestampNs;
    }

    @Override
    public String toString() {
        return "SkBuff[index=" + index + " mbuf=0x" + Long.toHexString(mbuf)
                + " data=0x" + Long.toHexString(dataAddress) + " len=" + lengthBytes
                + " protocol=0x" + Integer.toHexString(protocol) + " l3Protocol=0x" + Integer.toHexString(l3Protocol)
                + " pkt_type=" + pktTypeName(pktType)
                + " mac=" + macHeaderOffset + " network=" + networkHeaderOffset + " transport=" + transportHeaderOffset
                + " vlan=" + (vlanPresent ? "0x" + Integer.toHexString(vlanTci) + (vlanStripped ? "(stripped)" : "") : "none")
                + " hash=0x" + Integer.toHexString(rxHash) + (rxHashL4 ? "(l4)" : "")
                + " csum=" + checksumName(checksumState) + " mark=" + mark + " user=" + userValue
                + " port=" + ingressPort + " queue=" + ingressQueue + " ts=" + timestampNs + "ns]";
    }

    static String pktTypeName(int pktType) {
        return switch (pktType) {
            case PACKET_HOST -> "HOST";
            case PACKET_BROADCAST -> "BROADCAST";
            case PACKET_MULTICAST -> "MULTICAST";
            case PACKET_OTHERHOST -> "OTHERHOST";
            default -> Integer.toString(pktType);
        };
    }

    static String checksumName(int checksumState) {
        return switch (checksumState) {
            case CHECKSUM_NONE -> "NONE";
            case CHECKSUM_UNNECESSARY -> "UNNECESSARY";
            case CHECKSUM_COMPLETE -> "COMPLETE";
            case CHECKSUM_PARTIAL -> "PARTIAL";
            default -> Integer.toString(checksumState);
        };
    }
}
