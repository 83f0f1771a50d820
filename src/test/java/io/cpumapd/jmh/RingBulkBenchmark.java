package io.cpumapd.jmh;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Ring;
import java.lang.foreign.Arena;
import java.util.List;
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

/**
 * One bulk of 8 handles through a real rte_ring (MP enqueue, SC dequeue, as a cpumap entry's ring):
 * two critical FFM downcalls. Single thread, so it is the call and ring cost without contention.
 * Starts its own EAL (one per forked JVM).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class RingBulkBenchmark {
    private static final int BULK = 8;

    private Eal eal;
    private Arena arena;
    private Ring ring;
    private HandleArray in;
    private HandleArray out;

    @Setup(Level.Trial)
    public void setUp() {
        eal = Eal.init(List.of("--no-huge", "-m", "128", "--no-shconf", "--no-pci", "--no-telemetry", "-l", "0",
                "--log-level=lib.eal:warning", "--file-prefix=cpumapd-jmh-" + ProcessHandle.current().pid()));
        arena = Arena.ofShared();
        ring = Ring.create("jmh", 2048, Ring.SINGLE_CONSUMER | Ring.EXACT_SIZE);
        in = new HandleArray(arena, BULK);
        out = new HandleArray(arena, BULK);
        for (int i = 0; i < BULK; i++) {
            in.set(i, 0x1000L * (i + 1));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ring.close();
        arena.close();
        eal.close();
    }

    @Benchmark
    public int enqueueDequeue8() {
        int n = ring.enqueueBurst(in, 0, BULK);
        return n + ring.dequeueBurst(out, BULK);
    }
}
