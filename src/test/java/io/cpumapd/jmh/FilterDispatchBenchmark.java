package io.cpumapd.jmh;

import io.cpumapd.bench.BenchFrames;
import io.cpumapd.bench.BenchPrograms;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** What the RX worker does per packet before the verdict: wrap the flyweight, call the filter, commit. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class FilterDispatchBenchmark {
    private static final int PACKETS = 8;

    @Param({BenchPrograms.NO_TOUCH, BenchPrograms.L4_HASH})
    public String mode;

    private FilterHarness harness;
    private long[] mbufs;
    private PacketFilter filter;
    private final Packet packet = new Packet();

    @Setup(Level.Trial)
    public void setUp() {
        byte[][] frames = BenchFrames.udp(PACKETS, 60);
        harness = new FilterHarness(PACKETS, 2048);
        mbufs = new long[PACKETS];
        for (int i = 0; i < PACKETS; i++) {
            mbufs[i] = harness.load(i, frames[i]);
        }
        filter = BenchPrograms.rxFilter(mode, new int[] {0, 1});
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        harness.close();
    }

    /** Eight packets per invocation: divide by 8 for the per-packet cost. */
    @Benchmark
    public int dispatch8() {
        int keys = 0;
        for (long m : mbufs) {
            packet.wrap(m);
            filter.filter(packet);
            packet.commit();
            keys += packet.targetKey();
        }
        return keys;
    }
}
