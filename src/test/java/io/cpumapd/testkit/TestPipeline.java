package io.cpumapd.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.worker.Consumer;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.Cpus;
import io.cpumapd.worker.DropDelivery;
import io.cpumapd.worker.FilterSlot;
import io.cpumapd.worker.PortTx;
import io.cpumapd.worker.RxCounter;
import io.cpumapd.worker.RxQueue;
import io.cpumapd.worker.RxWorker;
import java.lang.foreign.Arena;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The redirect pipeline on a real EAL without a TAP: one RX worker on port {@code rxPort}, a cpumap
 * whose consumers deliver PASS into {@link DropDelivery} (count and free). Every thread is pinned;
 * on two cores they share them.
 */
public final class TestPipeline implements AutoCloseable {
    public final Mempool pool;
    public final Port port;
    public final Quiescence quiescence = new Quiescence();
    public final CpuMap map;
    public final FilterSlot filter;
    public final RxWorker rx;
    public final List<DropDelivery> deliveries = new CopyOnWriteArrayList<>();
    public final List<Redirector> redirectors = new CopyOnWriteArrayList<>();
    private static final java.util.concurrent.atomic.AtomicInteger POOLS = new java.util.concurrent.atomic.AtomicInteger();
    private final AgentRunner rxRunner;
    private final java.util.function.IntFunction<io.cpumapd.worker.Delivery> deliveryFactory;
    private final java.util.concurrent.atomic.AtomicInteger deliveryCount = new java.util.concurrent.atomic.AtomicInteger();
    private final Arena arena = Arena.ofShared();
    private boolean rxStopped;

    public TestPipeline(String rxPort, PacketFilter initial, int maxEntries, int batch, String idle) {
        this(rxPort, initial, maxEntries, batch, idle, null);
    }

    /** @param deliveries builds the n-th thread's delivery (null: count and free) */
    public TestPipeline(String rxPort, PacketFilter initial, int maxEntries, int batch, String idle,
            java.util.function.IntFunction<io.cpumapd.worker.Delivery> deliveries) {
        this.deliveryFactory = deliveries;
        pool = Mempool.create("pipeline" + POOLS.incrementAndGet(), 8191, 64, Mempool.DEFAULT_DATA_ROOM);
        port = Port.byName(rxPort);
        int txQueues = Math.min(4, port.info().maxTxQueues());
        port.configure(1, txQueues, 1024, 1024, pool);
        port.start();
        Port[] ports = new Port[port.id() + 1];
        ports[port.id()] = port;
        BitSet cpus = Cpus.online();
        int[] nextTxQueue = {1};
        map = new CpuMap(maxEntries, cpus, quiescence, (m, entry) -> new Consumer(entry, batch, idle, quiescence,
                () -> track(new Redirector(m, arena)),
                () -> new PortTx(ports, Math.min(txQueues - 1, nextTxQueue[0]++), 64, arena),
                this::newDelivery));
        filter = new FilterSlot(initial);
        rx = new RxWorker("rx0", 0, List.of(new RxQueue(port, 0)), filter, quiescence,
                () -> track(new Redirector(map, arena)), () -> new PortTx(ports, 0, 64, arena), this::newDelivery);
        rxRunner = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, rx);
    }

    /** Starts polling: set up entries first, or the first packets find empty keys. */
    public TestPipeline startRx() {
        AgentRunner.startOnThread(rxRunner);
        return this;
    }

    private Redirector track(Redirector r) {
        redirectors.add(r);
        return r;
    }

    private io.cpumapd.worker.Delivery newDelivery() {
        if (deliveryFactory != null) {
            return deliveryFactory.apply(deliveryCount.getAndIncrement());
        }
        DropDelivery d = new DropDelivery(arena, 64);
        deliveries.add(d);
        return d;
    }

    public long delivered() {
        return deliveries.stream().mapToLong(DropDelivery::packets).sum();
    }

    /** Enqueue counter {@code which} of target {@code key}, summed over every producer. */
    public long target(int key, int which) {
        return redirectors.stream().mapToLong(r -> r.counter(key, which)).sum();
    }

    public long consumer(int cpu, ConsumerCounter c) {
        return map.consumerCounter(cpu, c.ordinal());
    }

    /** Every counter, for failure messages. */
    public String debug() {
        StringBuilder b = new StringBuilder("rx:");
        for (RxCounter c : RxCounter.ALL) {
            b.append(' ').append(c.label()).append('=').append(rx(c));
        }
        for (int k = 0; k < map.maxEntries(); k++) {
            b.append("\ntarget ").append(k).append(": enqueued=").append(target(k, Redirector.ENQUEUED))
                    .append(" drops=").append(target(k, Redirector.DROPS)).append(" bulk=")
                    .append(target(k, Redirector.BULK_CALLS)).append("\nconsumer ").append(k).append(':');
            for (ConsumerCounter c : ConsumerCounter.ALL) {
                b.append(' ').append(c.label()).append('=').append(consumer(k, c));
            }
        }
        return b.append("\ndelivered=").append(delivered()).append(" mempool in use=").append(pool.inUse()).toString();
    }

    public long rx(RxCounter c) {
        return rx.counter(c);
    }

    /** Waits until the RX worker has received {@code packets} or the time is up. */
    public void awaitRx(long packets, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (rx.counter(RxCounter.RX) < packets && System.currentTimeMillis() < end) {
            Thread.sleep(5);
        }
    }

    /** Shutdown order of the daemon: stop RX (it flushes), then consumers drain their rings. */
    public void stopRx() {
        if (!rxStopped) {
            rxStopped = true;
            if (rxRunner.thread() != null) {
                rxRunner.close();
            }
        }
    }

    @Override
    public void close() {
        stopRx();
        map.close();
        port.stop();
        port.close();
        assertThat(pool.inUse()).as("mbufs leaked or freed twice").isZero();
        pool.close();
    }

    public static Eal startEal(String... vdevs) {
        return TestEal.start(vdevs);
    }
}
