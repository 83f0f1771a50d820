package io.cpumapd.skb;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.packet.HeadersTest.Frame;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The consumer builds millions of SkBuffs a second: a build must not allocate. Not a timing test. */
class SkBuffAllocationTest {
    private static final int WARM_UP_BUILDS = 200_000;
    private static final int MEASURED_BUILDS = 100_000;
    private static final long ALLOWED_BYTES = 512;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void buildAllocatesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            Frame[] frames = {
                    Frame.eth(0x0800).ipv4(4, 0, 6, 20).tcp(1, 2, 0x12),
                    Frame.eth(0x88A8).vlan(1, 0x8100).vlan(2, 0x86DD).ipv6(0, 32)
                            .ipv6Extension(44, 0).ipv6Fragment(17, 0, true).udp(3, 4, 8),
                    Frame.eth(0x86DD).ipv6(44, 24).ipv6Fragment(17, 9, false).zeros(16),
                    Frame.eth(0x0806).zeros(28),
                    Frame.eth(46).zeros(46),
                    Frame.eth(0x0800).u8(0x45),
            };
            long[] addresses = new long[frames.length];
            int[] lengths = new int[frames.length];
            for (int i = 0; i < frames.length; i++) {
                MemorySegment segment = frames[i].in(arena);
                addresses[i] = segment.address();
                lengths[i] = frames[i].length();
            }
            SkBuffPool pool = new SkBuffPool(8, arena);
            SkBuffBuilder builder = new SkBuffBuilder().deviceMac(0x02_00_00_00_00_01L);
            long olFlags = OlFlags.RX_RSS_HASH | OlFlags.RX_L4_CKSUM_GOOD | OlFlags.RX_VLAN;

            runBuilds(WARM_UP_BUILDS, pool, builder, addresses, lengths, olFlags);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            long checksum = runBuilds(MEASURED_BUILDS, pool, builder, addresses, lengths, olFlags);
            long allocatedBytes = THREADS.getCurrentThreadAllocatedBytes() - before;

            assertThat(checksum).as("the builds happened").isNotZero();
            assertThat(builder.built()).isEqualTo(WARM_UP_BUILDS + MEASURED_BUILDS);
            assertThat(allocatedBytes).as("bytes allocated by %d builds", MEASURED_BUILDS)
                    .isLessThan(ALLOWED_BYTES);
        }
    }

    /** Also cycles through the pool's SkBuffs and tags a handle, so those are covered by the same check. */
    private static long runBuilds(int builds, SkBuffPool pool, SkBuffBuilder builder, long[] addresses,
                                  int[] lengths, long olFlags) {
        long checksum = 0;
        for (int i = 0; i < builds; i++) {
            int frame = i % addresses.length;
            SkBuff skb = pool.get(i % pool.size());
            long handle = SkbHandle.tag(0x1000L + i * 64L);
            builder.build(skb, 0x1000L + i * 2L, addresses[frame], lengths[frame], 0, i & 3, i, olFlags, i & 0xFFF,
                    i, -i, i * 1000L);
            checksum += skb.transportHeaderOffset() + skb.protocol() + skb.pktType() + builder.headers().srcPort()
                    + SkbHandle.mbuf(handle);
        }
        return checksum;
    }
}
