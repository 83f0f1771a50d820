package io.cpumapd.bench;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.dpdk.Port;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapInjector;
import io.cpumapd.worker.TapDelivery;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Frames per second one core can push into a TAP, four ways: cpumapd's {@link TapInjector}
 * (batched writev with a vnet header, one downcall per batch), a C {@code write()} per frame, a
 * C batched writev loop, and DPDK's {@code net_tap} driver through {@code rte_eth_tx_burst}.
 * Each call measures one method for a duration on the calling thread.
 */
public final class InjectBenchmark {
    private static final MethodHandle C_WRITE = Native.downcall("cpm_bench_tap_write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle C_WRITEV = Native.downcall("cpm_bench_tap_writev",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle C_ETHDEV = Native.downcall("cpm_bench_ethdev_tx",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /** Frames written per second and frames the kernel refused. */
    public record Rate(double pps, long errors) {
    }

    /**
     * The consumer's way into the kernel ({@link TapDelivery}, GRO on or off): segments are the
     * traffic's frames passed (original frames delivered), frames what the TAP took (a GSO frame is one).
     * The first three are per second of the bench thread, which also writes the traffic into the mbufs
     * (what RX, or the NIC, does in the pipeline); {@code consumerSegmentsPerSecond} is per second of
     * the consumer's part alone: the passes and the flush (GRO, the writev, the frees).
     */
    public record DeliveryRate(double segmentsPerSecond, double framesPerSecond, double gbps, long errors,
            double consumerSegmentsPerSecond) {
    }

    /** Packets per dequeue round of the consumer benchmark: what a consumer with GRO on dequeues at most. */
    public static final int ROUND = 64;

    /** Frames of bulk traffic the Java injector cycles through: each flow in sequence but at the wrap. */
    public static final int TRAFFIC_CYCLE = 1024;

    private final TapDevice tap;
    private final int batch;
    private final TrafficSpec traffic;

    public InjectBenchmark(TapDevice tap, int batch) {
        this(tap, batch, TrafficSpec.smallUdp());
    }

    /** With bulk traffic ({@link TrafficSpec#segmented()}) the Java injector writes its segments in turn. */
    public InjectBenchmark(TapDevice tap, int batch, TrafficSpec traffic) {
        this.tap = tap;
        this.batch = batch;
        this.traffic = traffic;
    }

    /**
     * (a) cpumapd's injector: add {@code batch} frames, flush with one downcall. With bulk traffic,
     * {@link #TRAFFIC_CYCLE} frames of it in turn (all of {@code frame}'s length) instead of {@code frame}.
     */
    public Rate java(byte[] frame, long durationNs) {
        try (Arena arena = Arena.ofConfined(); TapInjector injector = new TapInjector(tap, 0, batch)) {
            SegmentTraffic source = traffic.create();
            int count = source == null ? 1 : TRAFFIC_CYCLE;
            long stride = (frame.length + 63) & ~63L;
            MemorySegment f = arena.allocate(stride * count, 64);
            for (int k = 0; k < count; k++) {
                if (source == null) {
                    MemorySegment.copy(frame, 0, f, ValueLayout.JAVA_BYTE, 0, frame.length);
                } else if (source.writeNext(f, k * stride) != frame.length) {
                    throw new IllegalArgumentException("bulk traffic frames are " + source.frameBytes() + " bytes");
                }
            }
            long base = f.address();
            int next = 0;
            int length = frame.length;
            long sent = 0;
            long start = System.nanoTime();
            long now = start;
            while (now - start < durationNs) {
                for (int r = 0; r < 8; r++) {
                    for (int i = 0; i < batch; i++) {
                        injector.add(base + next * stride, length);
                        next = next + 1 == count ? 0 : next + 1;
                    }
                    sent += injector.flush();
                }
                now = System.nanoTime();
            }
            return new Rate(sent * 1e9 / (now - start), injector.counters().errors());
        }
    }

    /**
     * (e) the consumer's delivery: per round, {@link #ROUND} mbufs from {@code pool} get the traffic's next
     * frames written into them (as RX would leave them), then are passed to a {@link TapDelivery} of the
     * TAP's queue 0 with GRO {@code gro}, and flushed (one writev per frame, then the mbufs are freed). The
     * traffic's checksums are verified in Java when GRO is on (no NIC verdict in the mbufs).
     */
    public DeliveryRate delivery(boolean gro, Mempool pool, long durationNs) {
        return delivery(gro, false, pool, durationNs);
    }

    /**
     * As {@link #delivery(boolean, Mempool, long)}; with {@code nicVerified} each mbuf's ol_flags say
     * what a NIC with RX checksum offload says of a good frame ({@code RX_IP_CKSUM_GOOD |
     * RX_L4_CKSUM_GOOD}), so GRO trusts it instead of summing it in Java. The traffic's checksums
     * are right either way: the flag only changes who vouches for them.
     * <p>
     * A round writes all its frames before it passes the first one, and the clock is read around the
     * passes and the flush: the consumer's time. The written frames are then in this core's cache, as
     * a consumer on the core that received them would find them; one on another core reads them from
     * the shared cache.
     */
    public DeliveryRate delivery(boolean gro, boolean nicVerified, Mempool pool, long durationNs) {
        long olFlags = nicVerified ? OlFlags.RX_IP_CKSUM_GOOD | OlFlags.RX_L4_CKSUM_GOOD : 0;
        SegmentTraffic source = traffic.create();
        if (source == null) {
            throw new IllegalArgumentException("the delivery benchmark needs tcp or udp traffic");
        }
        try (Arena arena = Arena.ofConfined()) {
            TapDelivery d = new TapDelivery(tap, 0, ROUND, arena);
            d.gro(gro);
            HandleArray h = new HandleArray(arena, ROUND);
            long frames0 = d.counters().packets();
            long errors0 = d.counters().errors();
            long segments = 0;
            long bytes = 0;
            long consumerNs = 0;
            long start = System.nanoTime();
            long now = start;
            while (now - start < durationNs) {
                for (int r = 0; r < 8; r++) {
                    if (!Mbuf.allocBulk(pool, h, ROUND)) {
                        throw new IllegalStateException("mempool empty: mbufs are not coming back");
                    }
                    for (int i = 0; i < ROUND; i++) {
                        long m = h.get(i);
                        int len = source.writeNext(Native.ALL, Mbuf.dataAddress(m));
                        Mbuf.setLength(m, len);
                        Mbuf.setPort(m, 0);
                        Mbuf.setOlFlags(m, olFlags);
                        bytes += len;
                    }
                    long passStart = System.nanoTime();
                    for (int i = 0; i < ROUND; i++) {
                        d.pass(h.get(i));
                    }
                    segments += ROUND - d.flush();
                    consumerNs += System.nanoTime() - passStart;
                }
                now = System.nanoTime();
            }
            double s = (now - start) / 1e9;
            return new DeliveryRate(segments / s, (d.counters().packets() - frames0) / s, bytes * 8 / s / 1e9,
                    d.counters().errors() - errors0, consumerNs == 0 ? 0 : segments * 1e9 / consumerNs);
        }
    }

    /** (b) one {@code write()} per frame (vnet header and frame in one buffer): the kernel's per-frame cost. */
    public Rate cWrite(byte[] frame, long durationNs) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] whole = new byte[tap.vnetHdrBytes() + frame.length];
            System.arraycopy(frame, 0, whole, tap.vnetHdrBytes(), frame.length);
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, whole);
            MemorySegment elapsed = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment errors = arena.allocate(ValueLayout.JAVA_LONG);
            long n = (long) C_WRITE.invokeExact(tap.fd(0), buf, whole.length, durationNs, elapsed, errors);
            return new Rate(n * 1e9 / elapsed.get(ValueLayout.JAVA_LONG, 0), errors.get(ValueLayout.JAVA_LONG, 0));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** (c) C writev of header + frame, {@code batch} per round: the Java injector's loop without Java. */
    public Rate cWritev(byte[] frame, long durationNs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
            MemorySegment elapsed = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment errors = arena.allocate(ValueLayout.JAVA_LONG);
            long n = (long) C_WRITEV.invokeExact(tap.fd(0), buf, frame.length, tap.vnetHdrBytes(), batch, durationNs,
                    elapsed, errors);
            return new Rate(n * 1e9 / elapsed.get(ValueLayout.JAVA_LONG, 0), errors.get(ValueLayout.JAVA_LONG, 0));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** (d) DPDK's net_tap: rte_eth_tx_burst of {@code batch} pre-built mbufs (a reference per send, no copy). */
    public static Rate netTap(Port port, Mempool pool, byte[] frame, int burst, long durationNs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
            MemorySegment elapsed = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment errors = arena.allocate(ValueLayout.JAVA_LONG);
            long n = (long) C_ETHDEV.invokeExact((short) port.id(), (short) 0, pool.address(), buf, frame.length,
                    burst, durationNs, elapsed, errors);
            long ns = elapsed.get(ValueLayout.JAVA_LONG, 0);
            if (ns == 0) {
                throw new IllegalStateException("net_tap benchmark could not build its frames");
            }
            return new Rate(n * 1e9 / ns, errors.get(ValueLayout.JAVA_LONG, 0));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
