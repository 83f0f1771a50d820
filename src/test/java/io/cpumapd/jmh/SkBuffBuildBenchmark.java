package io.cpumapd.jmh;

import io.cpumapd.bench.BenchFrames;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.skb.SkBuff;
import io.cpumapd.skb.SkBuffBuilder;
import io.cpumapd.skb.SkBuffPool;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** The consumer's per-packet work for PASS: parse the headers and fill SkBuff + virtio_net_hdr. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class SkBuffBuildBenchmark {
    private Arena arena;
    private FilterHarness harness;
    private long mbuf;
    private SkBuff skb;
    private final SkBuffBuilder builder = new SkBuffBuilder().deviceMac(0x02_00_00_00_00_01L);

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        harness = new FilterHarness(1, 2048);
        mbuf = harness.load(0, BenchFrames.udp(1, 60)[0]);
        skb = new SkBuffPool(1, arena).get(0);
        Mbuf.setOlFlags(mbuf, OlFlags.RX_RSS_HASH | OlFlags.RX_L4_CKSUM_GOOD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        harness.close();
    }

    @Benchmark
    public int build() {
        builder.build(skb, mbuf);
        return skb.transportHeaderOffset();
    }
}
