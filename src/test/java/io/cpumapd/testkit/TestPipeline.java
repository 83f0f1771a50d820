package io.cpumapd.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.pipeline.PipelineSpec;
import io.cpumapd.worker.Delivery;
import io.cpumapd.worker.DropDelivery;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The {@link Pipeline} on a real EAL without a TAP of its own: one RX worker on CPU 0 polling queue 0
 * of port {@code rxPort}, a cpumap whose threads deliver PASS into {@link DropDelivery} (count and
 * free) or into what the test gives. Every thread is pinned; on two cores they share them.
 */
public final class TestPipeline implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    public final Pipeline pipeline;
    public final CpuMap map;
    public final Filter filter = new Filter();
    private final List<DropDelivery> deliveries = new CopyOnWriteArrayList<>();
    private final Arena arena = Arena.ofShared();

    public TestPipeline(String rxPort, PacketFilter initial, int maxEntries, int batch, String idle) {
        this(rxPort, initial, maxEntries, batch, idle, null);
    }

    /** @param deliveries builds the delivery of TAP queue {@code n} (see {@link Pipeline#create}); null: count and free */
    public TestPipeline(String rxPort, PacketFilter initial, int maxEntries, int batch, String idle,
            IntFunction<Delivery> deliveries) {
        PipelineSpec spec = new PipelineSpec("pipeline" + POOLS.incrementAndGet(), 8191, 64,
                Mempool.DEFAULT_DATA_ROOM, List.of(new PipelineSpec.PortSpec("in", rxPort, 1, 1024, 1024, false)),
                List.of(new PipelineSpec.WorkerSpec("rx0", 0, List.of(new PipelineSpec.QueueRef("in", 0)), false)),
                maxEntries, batch, idle, null);
        pipeline = Pipeline.create(spec, w -> initial, deliveries != null ? deliveries : q -> track());
        map = pipeline.map();
    }

    private Delivery track() {
        DropDelivery d = new DropDelivery(arena, 64);
        deliveries.add(d);
        return d;
    }

    /** Starts polling: set up entries first, or the first packets find empty keys. */
    public TestPipeline startRx() {
        pipeline.startRx();
        return this;
    }

    /** Packets the default deliveries took, over every thread. */
    public long delivered() {
        return deliveries.stream().mapToLong(DropDelivery::packets).sum();
    }

    /** Enqueue counter {@code which} of target {@code key}, summed over every producer. */
    public long target(int key, EnqueueCounter which) {
        return pipeline.counters().get(which, key);
    }

    public long consumer(int cpu, ConsumerCounter c) {
        return pipeline.counters().get(c, cpu);
    }

    /** The pipeline's counter sets, summed over every thread. */
    public CounterRegistry counters() {
        return pipeline.counters();
    }

    public long rx(RxCounter c) {
        return pipeline.counters().get(c, 0);
    }

    /** Every counter, for failure messages. */
    public String debug() {
        StringBuilder b = new StringBuilder("rx:");
        for (RxCounter c : RxCounter.values()) {
            b.append(' ').append(c.label()).append('=').append(rx(c));
        }
        for (int k = 0; k < map.maxEntries(); k++) {
            b.append("\ntarget ").append(k).append(": enqueued=").append(target(k, EnqueueCounter.ENQUEUED))
                    .append(" drops=").append(target(k, EnqueueCounter.DROPS)).append(" bulk=")
                    .append(target(k, EnqueueCounter.BULK_CALLS)).append("\nconsumer ").append(k).append(':');
            for (ConsumerCounter c : ConsumerCounter.values()) {
                b.append(' ').append(c.label()).append('=').append(consumer(k, c));
            }
        }
        return b.append("\ndelivered=").append(delivered()).append(" mempool in use=")
                .append(pipeline.mempool().inUse()).toString();
    }

    /** Waits until the RX worker has received {@code packets} or the time is up. */
    public void awaitRx(long packets, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (rx(RxCounter.RX) < packets && System.currentTimeMillis() < end) {
            Thread.sleep(5);
        }
    }

    /** Shutdown order of the daemon: stop RX (it flushes), then consumers drain their rings. */
    public void stopRx() {
        pipeline.stopRx();
    }

    @Override
    public void close() {
        assertThat(pipeline.shutdown()).as("mbufs leaked or freed twice").isZero();
        arena.close();
    }

    public static Eal startEal(String... vdevs) {
        return TestEal.start(vdevs);
    }

    /** The RX worker's filter, swapped atomically as {@code cpumapd filter set} does. */
    public final class Filter {
        public void swap(PacketFilter next) {
            pipeline.setFilter(w -> next);
        }
    }
}
