package io.cpumapd.bench;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.Port;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The cost of the FFM layer itself: {@code rx_burst} + {@code free_bulk} on a {@code net_null}
 * port, once as a Java loop through the bindings and once as the same loop in C over the shim,
 * alternating in one run so both see the same machine.
 */
public final class RxFreeBenchmark {
    private static final MethodHandle C_LOOP = Native.downcall("cpm_bench_rx_free",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT,
                    ValueLayout.JAVA_SHORT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final int CLOCK_EVERY_BURSTS = 1024;

    private final Port port;
    private final int burst;

    public RxFreeBenchmark(Port port, int burst) {
        this.port = port;
        this.burst = burst;
    }

    /** One Java measurement: packets per second. */
    public double javaMpps(long durationNs) {
        try (Arena arena = Arena.ofConfined()) {
            HandleArray pkts = new HandleArray(arena, burst);
            long total = 0;
            long start = System.nanoTime();
            long now = start;
            while (now - start < durationNs) {
                for (int i = 0; i < CLOCK_EVERY_BURSTS; i++) {
                    int n = port.rxBurst(0, pkts, burst);
                    Mbuf.freeBulk(pkts, n);
                    total += n;
                }
                now = System.nanoTime();
            }
            return total * 1e3 / (now - start);
        }
    }

    /** The C twin: same loop, same calls, in {@code native/src/bench.c}. */
    public double cMpps(long durationNs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment elapsed = arena.allocate(ValueLayout.JAVA_LONG);
            long total = (long) C_LOOP.invokeExact((short) port.id(), (short) 0, (short) burst, durationNs, elapsed);
            return total * 1e3 / elapsed.get(ValueLayout.JAVA_LONG, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
