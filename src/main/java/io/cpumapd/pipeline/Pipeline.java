package io.cpumapd.pipeline;

import io.cpumapd.config.Cpus;
import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.CounterGroup;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.PortTxCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.worker.Consumer;
import io.cpumapd.worker.Delivery;
import io.cpumapd.worker.DropDelivery;
import io.cpumapd.worker.FilterSlot;
import io.cpumapd.worker.IdleStrategies;
import io.cpumapd.worker.PortTx;
import io.cpumapd.worker.RxQueue;
import io.cpumapd.worker.RxWorker;
import io.cpumapd.worker.TapDelivery;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;

/**
 * The whole redirect pipeline, assembled in the order of DESIGN.md and taken down in the reverse:
 * mempool, ports, TAP, cpumap, RX workers. The daemon, the benchmarks and the tests build it from a
 * {@link PipelineSpec}; it owns every thread and every counter source, and folds the counters of
 * retired consumers into totals so that nothing a reader sees ever goes backwards.
 *
 * <p>Queues per thread: RX worker {@code i} has TAP queue {@code i} and TX lane {@code i}; the
 * consumer of key {@code k} has TAP queue {@code workers + k} and takes a free TX lane while it runs
 * (a draining consumer and its successor run at the same time, so lanes are lent, not fixed).
 */
public final class Pipeline implements AutoCloseable {
    private static final int TX_BUFFER = 64;
    private static final System.Logger LOG = System.getLogger("cpumapd.pipeline");

    private final PipelineSpec spec;
    private final Mempool pool;
    private final Map<String, Port> ports = new LinkedHashMap<>();
    private final Port[] portsById;
    private final int[] txQueuesById;
    private final TapDevice tap;
    private final Quiescence quiescence = new Quiescence();
    private final CpuMap map;
    private final List<RxWorker> workers = new ArrayList<>();
    private final List<FilterSlot> filters = new ArrayList<>();
    private final Arena arena = Arena.ofShared();
    private final TxLanes lanes;
    private final CounterRegistry counters = new CounterRegistry();
    private final CounterGroup<RxCounter> rxCounters;
    private final CounterGroup<EnqueueCounter> enqueueCounters;
    private final CounterGroup<ConsumerCounter> consumerCounters;
    private final CounterGroup<TapCounter> tapCounters;
    private final CounterGroup<PortTxCounter> portTxCounters;
    private final IntFunction<Delivery> deliveries;
    private final AtomicLongArray hadEntry;
    private volatile boolean rxStarted;
    private boolean rxStopped;
    private boolean closed;

    private Pipeline(PipelineSpec spec, IntFunction<PacketFilter> filterPerWorker, IntFunction<Delivery> deliveries) {
        this.spec = spec;
        this.deliveries = deliveries;
        this.hadEntry = new AtomicLongArray(spec.maxEntries());
        IdleStrategies.byName(spec.idle(), () -> { }); // refuse unknown names before anything is built
        spec.workers().forEach(w -> IdleStrategies.byName(spec.rxIdle(w), () -> { }));
        int workerCount = spec.workers().size();
        pool = Mempool.create(spec.poolName(), spec.mbufs(), spec.mempoolCache(), spec.dataRoom());
        try {
            int maxId = 0;
            for (PipelineSpec.PortSpec p : spec.ports()) {
                Port port = Port.byName(p.device());
                ports.put(p.name(), port);
                maxId = Math.max(maxId, port.id());
            }
            portsById = new Port[maxId + 1];
            txQueuesById = new int[maxId + 1];
            int wantedLanes = workerCount + 2 * spec.maxEntries();
            int laneCount = 0;
            for (PipelineSpec.PortSpec p : spec.ports()) {
                Port port = ports.get(p.name());
                int txq = Math.max(1, Math.min(port.info().maxTxQueues(), wantedLanes));
                port.configure(p.rxQueues(), txq, p.rxDescriptors(), p.txDescriptors(), pool);
                if (p.promiscuous()) {
                    port.promiscuous(true);
                }
                port.start();
                portsById[port.id()] = port;
                txQueuesById[port.id()] = txq;
                laneCount = Math.max(laneCount, txq);
            }
            lanes = new TxLanes(Math.max(laneCount, workerCount));
            tap = spec.tap() == null ? null : TapDevice.create(spec.tap());
            rxCounters = counters.define("rx", RxCounter.class, workerCount, w -> new String[] {
                "worker", spec.workers().get(w).name(), "cpu", Integer.toString(spec.workers().get(w).cpu())});
            enqueueCounters = counters.define("enqueue", EnqueueCounter.class, spec.maxEntries(), Pipeline::cpuTags);
            consumerCounters = counters.define("consumer", ConsumerCounter.class, spec.maxEntries(),
                    Pipeline::cpuTags);
            tapCounters = counters.define("tap", TapCounter.class, tap == null ? 0 : tap.queueCount(),
                    q -> new String[] {"queue", Integer.toString(q)});
            portTxCounters = counters.define("port_tx", PortTxCounter.class, 1, r -> new String[0]);
            map = new CpuMap(spec.maxEntries(), Cpus.online(), quiescence, this::newConsumer);
            for (int i = 0; i < workerCount; i++) {
                PipelineSpec.WorkerSpec w = spec.workers().get(i);
                workers.add(newWorker(i, w, filterPerWorker.apply(i)));
            }
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** Builds mempool, ports (configured and started), TAP, cpumap and RX workers; RX does not poll yet. */
    public static Pipeline create(PipelineSpec spec, IntFunction<PacketFilter> filterPerWorker) {
        return new Pipeline(spec, filterPerWorker, null);
    }

    /**
     * As {@link #create(PipelineSpec, IntFunction)}, with PASS going where {@code deliveries} says: it
     * is asked for the delivery of TAP queue {@code n} (worker {@code i}: {@code i}; the consumer of
     * key {@code k}: {@code workers + k}), e.g. a TAP a test made in a namespace of its own.
     */
    public static Pipeline create(PipelineSpec spec, IntFunction<PacketFilter> filterPerWorker,
            IntFunction<Delivery> deliveries) {
        return new Pipeline(spec, filterPerWorker, deliveries);
    }

    private RxWorker newWorker(int index, PipelineSpec.WorkerSpec w, PacketFilter filter) {
        FilterSlot slot = new FilterSlot(filter);
        filters.add(slot);
        List<RxQueue> queues = new ArrayList<>();
        for (PipelineSpec.QueueRef q : w.queues()) {
            Port port = ports.get(q.port());
            if (port == null) {
                throw new IllegalArgumentException("worker " + w.name() + ": no port named " + q.port());
            }
            queues.add(new RxQueue(port, q.queue()));
        }
        int lane = lanes.acquire();
        // A worker's blocks live as long as the pipeline: registered now, never retired.
        Retirements parts = new Retirements();
        Delivery delivery = delivery(index, parts);
        Redirector redirector = redirector(parts);
        PortTx portTx = portTx(lane, parts);
        RxWorker worker = new RxWorker(w.name(), w.cpu(), queues, slot, quiescence, () -> redirector,
                () -> portTx, () -> delivery, rxCounters.newBlock(index, 1));
        if (w.skbMode()) {
            worker.skbMode(tap == null ? -1L : tap.macAddress48());
        }
        return worker;
    }

    private Consumer newConsumer(CpuMap m, CpuMapEntry entry) {
        hadEntry.set(entry.cpu(), 1);
        // The consumer's blocks are registered as its thread builds its parts, and folded into the
        // totals once the entry is freed (or never started). Lanes come back through PortTx.release().
        Retirements parts = new Retirements();
        Consumer c = new Consumer(entry, spec.batch(), spec.idle(), quiescence, () -> redirector(parts),
                () -> portTx(lanes.acquire(), parts), () -> delivery(spec.workers().size() + entry.cpu(), parts),
                parts.register(consumerCounters, CounterBlock.of(ConsumerCounter.values()), entry.cpu()));
        entry.freed().whenComplete((v, e) -> parts.retire());
        return c;
    }

    private Redirector redirector(Retirements parts) {
        CounterBlock block = new CounterBlock(EnqueueCounter.values().length, spec.maxEntries());
        return new Redirector(map, arena, parts.register(enqueueCounters, block, 0));
    }

    /** Lane -1 (none free): a PortTx without ports, so TX / redirect-to-port count as errors. */
    private PortTx portTx(int lane, Retirements parts) {
        Port[] usable = new Port[portsById.length];
        for (int id = 0; id < portsById.length; id++) {
            if (lane >= 0 && portsById[id] != null && lane < txQueuesById[id]) {
                usable[id] = portsById[id];
            }
        }
        PortTx tx = new PortTx(usable, Math.max(lane, 0), TX_BUFFER, arena, () -> lanes.release(lane));
        parts.register(portTxCounters, tx.counters(), 0);
        return tx;
    }

    private Delivery delivery(int tapQueue, Retirements parts) {
        Delivery d;
        if (deliveries != null) {
            d = deliveries.apply(tapQueue);
        } else if (tap == null) {
            d = new DropDelivery(arena, Math.max(spec.batch(), RxWorker.BURST));
        } else {
            d = new TapDelivery(tap, tapQueue, Math.max(spec.batch(), RxWorker.BURST), arena);
        }
        if (d.tapCounters() != null) {
            parts.register(tapCounters, d.tapCounters(), tapQueue);
        }
        return d;
    }

    private static String[] cpuTags(int cpu) {
        return new String[] {"cpu", Integer.toString(cpu)};
    }

    /** Starts every RX worker: set up entries first, or the first packets find empty keys. */
    public synchronized void startRx() {
        if (rxStarted) {
            return;
        }
        rxStarted = true;
        for (int i = 0; i < workers.size(); i++) {
            workers.get(i).start(IdleStrategies.byName(spec.rxIdle(spec.workers().get(i)), () -> { }));
        }
    }

    /** {@code bpf_map_update_elem} on the live map (see {@link CpuMap#update}). */
    public CpuMapEntry update(int key, int qsize, PacketFilter program, int flags) {
        return map.update(key, qsize, program, flags);
    }

    public boolean delete(int key) {
        return map.delete(key);
    }

    /** Swaps every worker's filter; {@code filterPerWorker} makes one instance per worker (they keep state). */
    public void setFilter(IntFunction<PacketFilter> filterPerWorker) {
        List<PacketFilter> fresh = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            fresh.add(filterPerWorker.apply(i)); // all built before any swap: a failure changes nothing
        }
        for (int i = 0; i < filters.size(); i++) {
            filters.get(i).swap(fresh.get(i));
        }
    }

    public PacketFilter filter(int worker) {
        return filters.get(worker).get();
    }

    /** Stops polling; each worker flushes its bulk queues on the way out. */
    public synchronized void stopRx() {
        if (rxStopped) {
            return;
        }
        rxStopped = true;
        for (RxWorker w : workers) {
            w.stop();
        }
    }

    /**
     * The daemon's shutdown order: stop RX (flushes), consumers drain their rings into the TAP, then
     * the TAP, the ports and the mempool go. Returns the mbufs still in use before the pool is freed
     * (0 unless something leaked).
     */
    public synchronized int shutdown() {
        if (closed) {
            return 0;
        }
        closed = true;
        stopRx();
        map.close();
        int inUse = closeQuietly();
        return inUse;
    }

    @Override
    public void close() {
        shutdown();
    }

    private int closeQuietly() {
        for (Port p : ports.values()) {
            try {
                p.stop();
                p.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing port {0}: {1}", p.name(), e.getMessage());
            }
        }
        if (tap != null) {
            tap.close();
        }
        int inUse = pool.inUse();
        pool.close();
        return inUse;
    }

    // ---- readers, any thread, no locks on the hot side ----

    public PipelineSpec spec() {
        return spec;
    }

    public CpuMap map() {
        return map;
    }

    public Mempool mempool() {
        return pool;
    }

    public Map<String, Port> ports() {
        return ports;
    }

    /** TX queues set up on {@code port}: one per thread that may send, as far as the driver allows. */
    public int txQueues(Port port) {
        return txQueuesById[port.id()];
    }

    public List<RxWorker> workers() {
        return workers;
    }

    public TapDevice tap() {
        return tap;
    }

    /** Every counter set, over every thread that ever ran: what /metrics and {@code stats} read. */
    public CounterRegistry counters() {
        return counters;
    }

    /** Whether {@code key} has ever had an entry: its counters exist (and may stay) from then on. */
    public boolean everHadEntry(int key) {
        return hadEntry.get(key) != 0;
    }

    public int ringUsed(int key) {
        CpuMapEntry e = map.entry(key);
        return e == null ? 0 : e.ring().count();
    }

    public int ringCapacity(int key) {
        CpuMapEntry e = map.entry(key);
        return e == null ? 0 : e.ring().capacity();
    }

    public int tapQueues() {
        return tap == null ? 0 : tap.queueCount();
    }
}
