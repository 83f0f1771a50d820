package io.cpumapd.config;

import java.util.List;

/** The packet mempool all ports receive into ({@code rte_pktmbuf_pool_create}). */
public record MempoolConfig(int mbufs, int cache, int dataRoom) {
    public static final MempoolConfig DEFAULT = new MempoolConfig(8191, 256, 2176);
    static final List<String> KEYS = List.of("mbufs", "cache", "data_room");

    static MempoolConfig read(YamlNode n) {
        int mbufs = n.integer("mbufs", DEFAULT.mbufs, 1023, 1_048_575);
        // rte_mempool_create also wants cache <= mbufs / 1.5: always true with these two ranges
        int cache = n.integer("cache", DEFAULT.cache, 0, 512);
        // 128 = RTE_PKTMBUF_HEADROOM: a smaller data room leaves no room for packet data
        int dataRoom = n.integer("data_room", DEFAULT.dataRoom, 128, 65535);
        return new MempoolConfig(mbufs, cache, dataRoom);
    }
}
