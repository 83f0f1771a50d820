package io.cpumapd.pipeline;

import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.tap.InjectError;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.worker.Consumer;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.Cpus;
import io.cpumapd.worker.Delivery;
import io.cpumapd.worker.DropDelivery;
import io.cpumapd.worker.FilterSlot;
import io.cpumapd.worker.IdleStrategies;
import io.cpumapd.worker.PortTx;
import io.cpumapd.worker.RxCounter;
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
import java.util.function.Supplier;
import org.agrona.concurrent.AgentRunner;

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
    private final List<AgentRunner> runners = new ArrayList<>();
    /** The RX threads as started (AgentRunner forgets its thread once closing begins). */
    private final List<Thread> rxThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Arena arena = Arena.ofShared();
    private final TxLanes lanes;
    private final PipelineTotals totals;
    private final IntFunction<Delivery> deliveries;
    private final AtomicLongArray hadEntry;
    private volatile boolean rxStarted;
    private boolean rxStopped;
    private boolean closed;

    private Pipeline(PipelineSpec spec, IntFunction<PacketFilter> filterPerWorker, IntFunction<Delivery> deliveries) {
        this.spec = spec;
        this.deliveries = deliveries;
        this.hadEntry = new AtomicLongArray(spec.maxEntries());
        IdleStrategies.byName(spec.idle(), () -> { });
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
            totals = new PipelineTotals(spec.maxEntries(), tap == null ? 0 : tap.queueCount());
            map = new CpuMap(spec.maxEntries(), Cpus.usable(), quiescence, this::newConsumer);
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
        Delivery delivery = delivery(index);
        Redirector redirector = new Redirector(map, arena);
        PortTx portTx = portTx(lane);
        totals.workerParts(redirector, delivery, portTx);
        RxWorker worker = new RxWorker(w.name(), w.cpu(), queues, slot, quiescence, () -> redirector,
                () -> portTx, () -> delivery);
        if (w.skbMode()) {
            worker.skbMode(tap == null ? -1L : tap.macAddress48());
        }
        runners.add(new AgentRunner(IdleStrategies.byName(spec.idle(), () -> { }), this::onRxError, null, worker));
        return worker;
    }

    private void onRxError(Throwable t) {
        System.err.println("cpumapd: RX worker error: " + t);
    }

    private Consumer newConsumer(CpuMap m, CpuMapEntry entry) {
        hadEntry.set(entry.cpu(), 1);
        PipelineTotals.EntryParts parts = totals.entryParts(entry.cpu());
        // The consumer's native buffers live as long as its entry: an update must not grow the
        // pipeline's own arena (entries come and go for ever under churn).
        Arena own = Arena.ofShared();
        // Lanes come back when the consumer ends, through PortTx.release().
        Supplier<PortTx> portTx = () -> parts.portTx(portTx(lanes.acquire(), own));
        Consumer c = new Consumer(entry, spec.batch(), spec.idle(), quiescence,
                () -> parts.redirector(new Redirector(m, own)), portTx,
                () -> parts.delivery(delivery(spec.workers().size() + entry.cpu(), own)));
        entry.freed().whenComplete((v, e) -> {
            totals.retire(parts);
            own.close();
        });
        return c;
    }

    /** Lane -1 (none free): a PortTx without ports, so TX / redirect-to-port count as errors. */
    private PortTx portTx(int lane) {
        return portTx(lane, arena);
    }

    private PortTx portTx(int lane, Arena memory) {
        Port[] usable = new Port[portsById.length];
        for (int id = 0; id < portsById.length; id++) {
            if (lane >= 0 && portsById[id] != null && lane < txQueuesById[id]) {
                usable[id] = portsById[id];
            }
        }
        return new PortTx(usable, Math.max(lane, 0), TX_BUFFER, memory, () -> lanes.release(lane));
    }

    private Delivery delivery(int tapQueue) {
        return delivery(tapQueue, arena);
    }

    private Delivery delivery(int tapQueue, Arena memory) {
        if (deliveries != null) {
            return deliveries.apply(tapQueue);
        }
        if (tap == null) {
            return new DropDelivery(memory, Math.max(spec.batch(), RxWorker.BURST));
        }
        return new TapDelivery(tap, tapQueue, Math.max(spec.batch(), RxWorker.BURST), memory);
    }

    /** Starts every RX worker: set up entries first, or the first packets find empty keys. */
    public synchronized void startRx() {
        if (rxStarted) {
            return;
        }
        rxStarted = true;
        for (AgentRunner r : runners) {
            AgentRunner.startOnThread(r, runnable -> {
                Thread t = new Thread(runnable, r.agent().roleName());
                t.setDaemon(true);
                rxThreads.add(t);
                return t;
            });
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
        for (AgentRunner r : runners) {
            if (r.thread() != null) {
                r.close();
            }
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
                System.err.println("cpumapd: closing port " + p.name() + ": " + e.getMessage());
            }
        }
        if (tap != null) {
            tap.close();
        }
        int inUse = pool.inUse();
        pool.close();
        return inUse;
    }

    /**
     * Hot threads still running, named with what they run (RX worker and its filter, consumer and its
     * program): after a stop that did not finish, the ones that did not stop.
     */
    public List<String> hotThreadsAlive() {
        List<String> alive = new ArrayList<>();
        for (int i = 0; i < rxThreads.size(); i++) {
            if (rxThreads.get(i).isAlive()) {
                PacketFilter f = filters.get(i).get();
                alive.add("RX worker " + workers.get(i).roleName() + " (filter " + (f == null ? "none" : f.name()) + ")");
            }
        }
        if (!alive.isEmpty()) {
            return alive; // consumers wait for the RX workers' grace period: those are the ones stuck
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("cpumap/") && t.getName().contains("/map:") && t.isAlive()) {
                alive.add("consumer " + t.getName());
            }
        }
        return alive;
    }

    /** RX workers started and no longer running (their thread ended): what a watchdog must not hide. */
    public List<String> hotThreadsDown() {
        List<String> down = new ArrayList<>();
        if (!rxStarted || rxStopped) {
            return down;
        }
        for (int i = 0; i < rxThreads.size(); i++) {
            if (!rxThreads.get(i).isAlive()) {
                down.add(workers.get(i).roleName());
            }
        }
        return down;
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

    public long rx(int worker, RxCounter c) {
        return workers.get(worker).counter(c);
    }

    /** Enqueue counter ({@link Redirector#ENQUEUED}, ...) of target {@code key}, over every producer ever. */
    public long target(int key, int which) {
        return totals.target(key, which);
    }

    public long consumer(int key, ConsumerCounter c) {
        return map.consumerCounter(key, c.ordinal());
    }

    /** Frames consumers of {@code key} dropped as too short for an Ethernet header. */
    public long consumerTooShort(int key) {
        return totals.tooShort(spec.workers().size() + key);
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

    public long tapPackets(int queue) {
        return totals.tap(queue, PipelineTotals.TAP_PACKETS);
    }

    public long tapBytes(int queue) {
        return totals.tap(queue, PipelineTotals.TAP_BYTES);
    }

    public long tapErrors(int queue) {
        return totals.tap(queue, PipelineTotals.TAP_ERRORS);
    }

    public long tapErrors(int queue, InjectError kind) {
        return totals.tapErrors(queue, kind);
    }

    public int tapQueues() {
        return tap == null ? 0 : tap.queueCount();
    }

    /** Packets sent out DPDK ports by every thread (TX and redirect to a port), and those the drivers refused. */
    public long portTxTotal(int which) {
        return totals.portTx(which);
    }
}
