package io.cpumapd.jmh;

import io.cpumapd.dpdk.Native;
import io.cpumapd.gso.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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

/**
 * GRO's per-segment checksum check: {@link Checksum#add} over a TCP segment (the 1448-byte payload
 * plus the 32-byte TCP header, from offset 34 of a frame: an address that is not 8-byte aligned),
 * against the two implementations before it, kept here as baselines: {@code previous} (one
 * big-endian long per step, one sum) and {@code fourSums} (little-endian longs, four independent
 * sums of 32-bit halves; issue 16's second session), which C2 does not vectorize.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class ChecksumBenchmark {
    private static final MemorySegment M = Native.ALL;
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Param({"1480"})
    int length;

    @Param({"34"})
    int offset;

    private Arena arena;
    private long address;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        MemorySegment buf = arena.allocate(16_384, 64);
        for (int i = 0; i < 16_384; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        address = buf.address() + offset;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int current() {
        return Checksum.fold(Checksum.add(address, length, 0));
    }

    /** What GRO's check of a TCP/IPv4 segment sums: the addresses (8 bytes), the IPv4 header (20), the segment. */
    @Benchmark
    public int segmentCheck() {
        long pseudo = Checksum.add(address - 8, 8, 6 + length);
        return Checksum.fold(Checksum.add(address - 20, 20, 0)) + Checksum.fold(Checksum.add(address, length, pseudo));
    }

    @Benchmark
    public int fourSums() {
        return Checksum.fold(fourSumsAdd(address, length, 0));
    }

    @Benchmark
    public int previous() {
        return Checksum.fold(previousAdd(address, length, 0));
    }

    /** The implementation before issue 16's second session (big-endian longs, one sum). */
    static long previousAdd(long address, int length, long sum) {
        long acc = sum;
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            long v = M.get(BE64, address + i);
            acc += (v >>> 32) + (v & 0xFFFF_FFFFL);
        }
        for (; i + 2 <= length; i += 2) {
            acc += Short.toUnsignedInt(M.get(BE16, address + i));
        }
        if (i < length) {
            acc += (M.get(ValueLayout.JAVA_BYTE, address + i) & 0xFF) << 8;
        }
        return acc;
    }

    /** The implementation of issue 16's second session (little-endian longs, four sums), folded and swapped back. */
    static long fourSumsAdd(long address, int length, long sum) {
        long a0 = 0;
        long a1 = 0;
        long a2 = 0;
        long a3 = 0;
        int i = 0;
        for (; i + 32 <= length; i += 32) {
            long v0 = M.get(LE64, address + i);
            long v1 = M.get(LE64, address + i + 8);
            long v2 = M.get(LE64, address + i + 16);
            long v3 = M.get(LE64, address + i + 24);
            a0 += (v0 >>> 32) + (v0 & 0xFFFF_FFFFL);
            a1 += (v1 >>> 32) + (v1 & 0xFFFF_FFFFL);
            a2 += (v2 >>> 32) + (v2 & 0xFFFF_FFFFL);
            a3 += (v3 >>> 32) + (v3 & 0xFFFF_FFFFL);
        }
        for (; i + 8 <= length; i += 8) {
            long v = M.get(LE64, address + i);
            a0 += (v >>> 32) + (v & 0xFFFF_FFFFL);
        }
        for (; i + 2 <= length; i += 2) {
            a1 += Short.toUnsignedInt(M.get(LE16, address + i));
        }
        if (i < length) {
            a2 += M.get(ValueLayout.JAVA_BYTE, address + i) & 0xFF;
        }
        int swapped = Checksum.fold(a0 + a1 + a2 + a3);
        return sum + (((swapped & 0xFF) << 8) | (swapped >>> 8));
    }
}
