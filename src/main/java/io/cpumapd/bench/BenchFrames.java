package io.cpumapd.bench;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.pcap.FrameBuilder;
import java.lang.foreign.Arena;

/** Benchmark traffic: small UDP flows, and a way to make {@code net_null} (copy=0) deliver them. */
public final class BenchFrames {
    /** Not the TAP's address: the kernel marks such frames PACKET_OTHERHOST and ip_rcv drops them at once. */
    public static final String DST_MAC = "02:00:5e:00:00:99";
    public static final String SRC_MAC = "02:00:5e:00:00:01";

    private BenchFrames() {
    }

    /** {@code flows} IPv4/UDP frames of {@code frameBytes} (without FCS), addresses in 198.18.0.0/15. */
    public static byte[][] udp(int flows, int frameBytes) {
        byte[][] frames = new byte[flows][];
        for (int i = 0; i < flows; i++) {
            FrameBuilder b = FrameBuilder.ethernet().dstMac(DST_MAC).srcMac(SRC_MAC)
                    .ipv4("198.18." + (i / 250) + "." + (1 + i % 250), "198.19.0." + (1 + i % 7))
                    .udp(1024 + i, 9);
            int payload = Math.max(0, frameBytes - b.headerLength());
            frames[i] = b.payload(new byte[payload]).build();
        }
        return frames;
    }

    /**
     * Writes the frames into every mbuf of {@code pool} (take them all, fill, give them back).
     * {@code net_null} with copy=0 hands out mbufs without touching their bytes, so after this it
     * "receives" these frames: the program modes that read packets see real IPv4/UDP headers.
     */
    public static int prefill(Mempool pool, byte[][] frames) {
        try (Arena arena = Arena.ofConfined()) {
            HandleArray all = new HandleArray(arena, pool.size());
            HandleArray one = new HandleArray(arena, 1);
            int n = 0;
            while (n < pool.size() && Mbuf.allocBulk(pool, one, 1)) {
                long m = one.get(0);
                Mbuf.fill(m, frames[n % frames.length]);
                all.set(n++, m);
            }
            Mbuf.freeBulk(all, n);
            return n;
        }
    }
}
