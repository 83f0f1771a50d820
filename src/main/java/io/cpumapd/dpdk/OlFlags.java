package io.cpumapd.dpdk;

/**
 * The RX bits of {@code rte_mbuf.ol_flags} that the skb builder reads, as defined by DPDK 22.11
 * ({@code rte_mbuf_core.h}). They are ABI, so they are copied here rather than read from the shim.
 */
public final class OlFlags {
    /** {@code vlan_tci} holds the TCI of a VLAN tag; the tag is still in the data unless also STRIPPED. */
    public static final long RX_VLAN = 1L << 0;
    /** {@code hash.rss} holds the NIC's RSS hash. */
    public static final long RX_RSS_HASH = 1L << 1;
    public static final long RX_L4_CKSUM_BAD = 1L << 3;
    public static final long RX_IP_CKSUM_BAD = 1L << 4;
    /** The tag was removed from the data by the NIC; its TCI is in {@code vlan_tci}. */
    public static final long RX_VLAN_STRIPPED = 1L << 6;
    public static final long RX_IP_CKSUM_GOOD = 1L << 7;
    public static final long RX_L4_CKSUM_GOOD = 1L << 8;

    /** Both L4 bits set is DPDK's "NONE" (checksum wrong in the data but integrity verified). */
    public static final long RX_L4_CKSUM_MASK = RX_L4_CKSUM_BAD | RX_L4_CKSUM_GOOD;
    public static final long RX_IP_CKSUM_MASK = RX_IP_CKSUM_BAD | RX_IP_CKSUM_GOOD;

    private OlFlags() {
    }
}
