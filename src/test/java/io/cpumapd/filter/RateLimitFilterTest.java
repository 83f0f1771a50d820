package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.FrameBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitFilterTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_000_000_000_000L;
    private final FilterHarness harness = new FilterHarness();
    private final TargetSet targets = TargetSet.of(4, 5);

    @AfterEach
    void close() {
        harness.close();
    }

    private RateLimitFilter limiter(String... keyValues) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        return (RateLimitFilter) Filters.create("rate-limit", params, targets);
    }

    private static byte[] udpFrom(String src) {
        return FrameBuilder.ethernet().ipv4(src, "198.19.0.1").udp(1000, 2000).build();
    }

    private Verdict at(long ns, PacketFilter f, byte[] frame) {
        FilterResult r = harness.timestampNs(ns).run(f, frame);
        assertThat(r.thrown()).isNull();
        return r.verdict();
    }

    private static long counter(RateLimitFilter f, String name) {
        return f.counter(f.counterNames().indexOf(name));
    }

    @Test
    void burstThenRefillAtTheRate() {
        RateLimitFilter f = limiter("rate_pps", "100", "burst", "5"); // one token per 10 ms
        byte[] frame = udpFrom("198.18.0.1");
        for (int i = 0; i < 5; i++) {
            assertThat(at(T0, f, frame)).as("packet %d of the burst", i).isEqualTo(Verdict.REDIRECT);
        }
        assertThat(at(T0, f, frame)).isEqualTo(Verdict.DROP);
        assertThat(at(T0 + 9 * MS, f, frame)).isEqualTo(Verdict.DROP);
        assertThat(at(T0 + 10 * MS, f, frame)).isEqualTo(Verdict.REDIRECT);
        assertThat(at(T0 + 10 * MS, f, frame)).isEqualTo(Verdict.DROP);
        // A long pause refills to the burst size, not beyond.
        int passed = 0;
        for (int i = 0; i < 20; i++) {
            passed += at(T0 + 10_000 * MS, f, frame) == Verdict.REDIRECT ? 1 : 0;
        }
        assertThat(passed).isEqualTo(5);
        assertThat(counter(f, "dropped_rate")).isEqualTo(3 + 15);
    }

    @Test
    void sourcesAreLimitedSeparatelyAndPassedPacketsFollowThen() {
        RateLimitFilter f = limiter("rate_pps", "1", "burst", "1", "then", "l4-proto", "then.udp", "9");
        assertThat(harness.timestampNs(T0).run(f, udpFrom("198.18.0.1")).cpumapKey()).isEqualTo(9);
        assertThat(at(T0, f, udpFrom("198.18.0.1"))).isEqualTo(Verdict.DROP);
        assertThat(harness.timestampNs(T0).run(f, udpFrom("198.18.0.2")).cpumapKey()).isEqualTo(9);
        byte[] v6 = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build();
        assertThat(at(T0, f, v6)).isEqualTo(Verdict.REDIRECT);
        assertThat(at(T0, f, v6)).isEqualTo(Verdict.DROP);
        // Non-IP is never limited.
        for (int i = 0; i < 5; i++) {
            assertThat(at(T0, f, TestFrames.arp())).isEqualTo(Verdict.REDIRECT);
        }
    }

    @Test
    void synFloodThresholdCountsOnlySynWithoutAck() {
        RateLimitFilter f = limiter("rate_pps", "0", "syn_pps", "3");
        byte[] syn = FrameBuilder.ethernet().ipv4("198.18.0.9", "198.19.0.1").tcp(1, 80).tcpFlags(FrameBuilder.SYN).build();
        byte[] synAck = FrameBuilder.ethernet().ipv4("198.18.0.9", "198.19.0.1").tcp(1, 80)
                .tcpFlags(FrameBuilder.SYN | FrameBuilder.ACK).build();
        for (int i = 0; i < 3; i++) {
            assertThat(at(T0, f, syn)).isEqualTo(Verdict.REDIRECT);
        }
        assertThat(at(T0, f, syn)).isEqualTo(Verdict.DROP);
        for (int i = 0; i < 10; i++) {
            assertThat(at(T0, f, synAck)).isEqualTo(Verdict.REDIRECT);
        }
        assertThat(at(T0 + 334 * MS, f, syn)).isEqualTo(Verdict.REDIRECT); // 3/s: one every 333 ms
        assertThat(counter(f, "dropped_syn_flood")).isEqualTo(1);
        assertThat(counter(f, "dropped_rate")).isZero();
    }

    @Test
    void udpFloodThreshold() {
        RateLimitFilter f = limiter("rate_pps", "0", "udp_pps", "2");
        byte[] udp = udpFrom("198.18.0.3");
        byte[] tcp = FrameBuilder.ethernet().ipv4("198.18.0.3", "198.19.0.1").tcp(1, 80).build();
        assertThat(at(T0, f, udp)).isEqualTo(Verdict.REDIRECT);
        assertThat(at(T0, f, udp)).isEqualTo(Verdict.REDIRECT);
        assertThat(at(T0, f, udp)).isEqualTo(Verdict.DROP);
        assertThat(at(T0, f, tcp)).isEqualTo(Verdict.REDIRECT);
        // UDP fragments count as UDP: a flood of later fragments is still a UDP flood.
        byte[] laterFragment = FrameBuilder.ethernet().ipv4("198.18.0.3", "198.19.0.1").fragment(64, false)
                .udp(1, 2).payload(new byte[16]).build();
        assertThat(at(T0, f, laterFragment)).isEqualTo(Verdict.DROP);
        assertThat(counter(f, "dropped_udp_flood")).isEqualTo(2);
    }

    @Test
    void lruEvictsTheStalestSourceWhenTheTableIsFull() {
        RateLimitFilter f = limiter("table_size", "4", "rate_pps", "1", "burst", "1");
        for (int i = 1; i <= 4; i++) {
            assertThat(at(T0 + i, f, udpFrom("198.18.0." + i))).isEqualTo(Verdict.REDIRECT);
        }
        assertThat(at(T0 + 5, f, udpFrom("198.18.0.1"))).isEqualTo(Verdict.DROP); // tracked, refreshed
        assertThat(at(T0 + 6, f, udpFrom("198.18.0.5"))).isEqualTo(Verdict.REDIRECT); // evicts .2, the stalest
        assertThat(counter(f, "evictions")).isEqualTo(1);
        assertThat(at(T0 + 7, f, udpFrom("198.18.0.1"))).isEqualTo(Verdict.DROP); // still tracked
        assertThat(at(T0 + 8, f, udpFrom("198.18.0.2"))).isEqualTo(Verdict.REDIRECT); // forgotten: fresh bucket
        assertThat(f.trackedSources()).isEqualTo(4);
    }

    @Test
    void dropNewAndPassNewWhenFull() {
        RateLimitFilter dropNew = limiter("table_size", "2", "rate_pps", "1", "burst", "1", "eviction", "drop-new");
        RateLimitFilter passNew = limiter("table_size", "2", "rate_pps", "1", "burst", "1", "eviction", "pass-new");
        for (RateLimitFilter f : new RateLimitFilter[] {dropNew, passNew}) {
            at(T0, f, udpFrom("198.18.0.1"));
            at(T0, f, udpFrom("198.18.0.2"));
        }
        assertThat(at(T0, dropNew, udpFrom("198.18.0.3"))).isEqualTo(Verdict.DROP);
        assertThat(counter(dropNew, "dropped_table_full")).isEqualTo(1);
        assertThat(at(T0, passNew, udpFrom("198.18.0.3"))).isEqualTo(Verdict.REDIRECT);
        assertThat(at(T0, passNew, udpFrom("198.18.0.3"))).isEqualTo(Verdict.REDIRECT);
        assertThat(counter(passNew, "untracked")).isEqualTo(2);
        // Once a tracked source has its full credit back, its slot is recycled, not evicted.
        assertThat(at(T0 + 2_000 * MS, dropNew, udpFrom("198.18.0.3"))).isEqualTo(Verdict.REDIRECT);
        assertThat(counter(dropNew, "recycled")).isEqualTo(1);
        assertThat(counter(dropNew, "evictions")).isZero();
    }

    @Test
    void memoryStaysBoundedUnderManySources() {
        RateLimitFilter f = limiter("table_size", "1000", "rate_pps", "10");
        assertThat(f.tableSize()).isEqualTo(1024); // rounded up to a power of two
        for (int i = 0; i < 50_000; i++) {
            byte[] frame = FrameBuilder.ethernet().ipv4("10." + (i >>> 16) + "." + ((i >>> 8) & 255) + "." + (i & 255),
                    "198.19.0.1").udp(1, 2).build();
            at(T0 + i, f, frame);
            assertThat(f.trackedSources()).isLessThanOrEqualTo(1024);
        }
        assertThat(f.trackedSources()).isGreaterThan(900);
        assertThat(counter(f, "evictions")).isGreaterThan(40_000);
    }

    @Test
    void countersAreReadableFromAnotherThread() throws Exception {
        RateLimitFilter f = limiter("rate_pps", "1", "burst", "1");
        at(T0, f, udpFrom("198.18.0.1"));
        at(T0, f, udpFrom("198.18.0.1"));
        long[] seen = new long[1];
        Thread reader = Thread.ofPlatform().start(() -> seen[0] = counter(f, "dropped_rate"));
        reader.join();
        assertThat(seen[0]).isEqualTo(1);
        assertThat(f.counterNames()).containsExactly("dropped_rate", "dropped_syn_flood", "dropped_udp_flood",
                "dropped_table_full", "untracked", "evictions", "recycled");
    }

    @Test
    void withoutATimestampTheClockIsUsed() {
        RateLimitFilter f = limiter("rate_pps", "1", "burst", "2");
        byte[] frame = udpFrom("198.18.0.1");
        assertThat(at(0, f, frame)).isEqualTo(Verdict.REDIRECT);
        assertThat(at(0, f, frame)).isEqualTo(Verdict.REDIRECT);
        assertThat(at(0, f, frame)).isEqualTo(Verdict.DROP);
    }
}
