package io.cpumapd.bench;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.Port;
import java.lang.foreign.Arena;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code ring} source: a thread that sends pre-built frames into TX queue 0 of a
 * {@code net_ring} port, whose RX queue 0 is the same rte_ring, so the RX worker receives them.
 * The frames were written into every mbuf of the pool beforehand ({@link BenchFrames#prefill}), so
 * feeding is alloc + set length + tx_burst: the producer costs little next to the pipeline.
 * With a rate it paces itself (latency mode): a burst goes out when its time has come. With a
 * {@link SegmentTraffic} it writes every frame into its mbuf as it sends it instead, so that each
 * flow's segments arrive in sequence (a copy of the frame per packet: the feeder's own cost grows).
 */
public final class RingFeeder implements AutoCloseable {
    private final Port port;
    private final Mempool pool;
    private final int frameBytes;
    private final long ratePps;
    private final SegmentTraffic traffic;
    private final int burst;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long sent;
    private volatile long refused;

    /**
     * @param ratePps 0: as fast as the ring takes them
     * @param traffic null: the prefilled frames of {@code frameBytes}; else frames written by it
     */
    public RingFeeder(Port port, Mempool pool, int frameBytes, long ratePps, SegmentTraffic traffic) {
        // Both pipelines of the benchmark make their pools with the default data room.
        int room = Mempool.DEFAULT_DATA_ROOM - Mbuf.HEADROOM;
        if (traffic != null && traffic.frameBytes() > room) {
            throw new IllegalArgumentException(traffic.frameBytes() + "-byte frames do not fit the benchmark's "
                    + room + "-byte mbufs: use a smaller --payload");
        }
        this.port = port;
        this.pool = pool;
        this.frameBytes = frameBytes;
        this.ratePps = ratePps;
        this.traffic = traffic;
        this.burst = ratePps == 0 ? 32 : (int) Math.max(1, Math.min(32, ratePps / 1_000_000));
        this.thread = new Thread(this::run, "bench-feeder");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Eal.registerThread();
        try (Arena arena = Arena.ofConfined()) {
            HandleArray pkts = new HandleArray(arena, burst);
            long start = System.nanoTime();
            long count = 0;
            long nope = 0;
            while (running) {
                if (ratePps > 0) {
                    long due = start + (long) (count * 1e9 / ratePps);
                    long wait = due - System.nanoTime();
                    if (wait > 50_000) {
                        LockSupport.parkNanos(wait - 20_000);
                        continue;
                    }
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                if (!Mbuf.allocBulk(pool, pkts, burst)) {
                    nope++;
                    Thread.onSpinWait();
                    if (ratePps > 0) {
                        count += burst; // keep the schedule: a missed slot is not made up
                    }
                    continue;
                }
                for (int i = 0; i < burst; i++) {
                    long m = pkts.get(i);
                    if (traffic == null) {
                        Mbuf.setLength(m, frameBytes);
                    } else {
                        Mbuf.setLength(m, traffic.writeNext(Native.ALL, Mbuf.dataAddress(m)));
                    }
                }
                int n = port.txBurst(0, pkts, 0, burst);
                if (n < burst) {
                    Mbuf.freeBulk(pkts.address(n), burst - n);
                    nope += burst - n;
                }
                count += burst;
                sent += n;
                refused = nope;
            }
        } finally {
            Eal.unregisterThread();
        }
    }

    public long sent() {
        return sent;
    }

    public long refused() {
        return refused;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
