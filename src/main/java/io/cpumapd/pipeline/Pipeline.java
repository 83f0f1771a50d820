package io.cpumapd.pipeline;

import io.cpumapd.config.Cpus;
import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.CounterGroup;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.PortTxCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.counters.SupervisionCounter;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.counters.TapReturnCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.HandleArray;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.Supplier;

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
    private final TapPorts taps;
    private final int[] mtus;
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
    private final CounterGroup<TapReturnCounter> tapReturnCounters;
    private final Supervisor supervisor;
    /** How long a hot thread may finish no poll before it is reported stalled. */
    static final Duration STALL_AFTER = Duration.ofMillis(Long.getLong("cpumapd.stall.after.ms", 2000));
    private final IntFunction<Delivery> deliveries;
    private final AtomicLongArray hadEntry;
    private int heldAfterClose;
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
            mtus = new int[spec.ports().size()];
            for (int i = 0; i < spec.ports().size(); i++) {
                PipelineSpec.PortSpec p = spec.ports().get(i);
                Port port = ports.get(p.name());
                Port.PortInfo info = port.info();
                int txq = Math.max(1, Math.min(info.maxTxQueues(), wantedLanes));
                if (info.driver().equals("net_tap")) {
                    txq = p.rxQueues(); // net_tap refuses a configuration with more TX than RX queues
                }
                TapOptions tapOptions = spec.tapOf(i);
                int mtu = p.mtu() > 0 ? p.mtu() : tapOptions != null ? tapOptions.mtuBytes() : 0;
                int before = pool.inUse();
                port.configure(p.rxQueues(), txq, p.rxDescriptors(), p.txDescriptors(), pool, mtu);
                mtus[i] = mtu > 0 ? mtu : port.caps().mtu();
                if (p.promiscuous()) {
                    port.promiscuous(true);
                }
                port.start();
                if (info.driver().equals("net_af_xdp")) {
                    // DPDK 22.11's net_af_xdp never gives back the mbufs of its fill ring (its close
                    // forgets the UMEM's ring): that many stay out of the pool after close, always.
                    heldAfterClose += pool.inUse() - before;
                }
                portsById[port.id()] = port;
                txQueuesById[port.id()] = txq;
                laneCount = Math.max(laneCount, txq);
            }
            lanes = new TxLanes(Math.max(laneCount, workerCount));
            // A TAP per port, one queue per hot thread that may ever run: every RX worker and every key.
            int tapQueues = workerCount + spec.maxEntries();
            taps = new TapPorts(spec, spec.ports().stream().map(p -> ports.get(p.name())).toList(), txQueuesById,
                    mtus, tapQueues);
            rxCounters = counters.define("rx", RxCounter.class, workerCount, w -> new String[] {
                "worker", spec.workers().get(w).name(), "cpu", Integer.toString(spec.workers().get(w).cpu())});
            enqueueCounters = counters.define("enqueue", EnqueueCounter.class, spec.maxEntries(), Pipeline::cpuTags);
            consumerCounters = counters.define("consumer", ConsumerCounter.class, spec.maxEntries(),
                    Pipeline::cpuTags);
            tapCounters = counters.define("tap", TapCounter.class, taps.any() ? tapQueues : 0,
                    q -> new String[] {"queue", Integer.toString(q)});
            tapReturnCounters = counters.define("tap_return", TapReturnCounter.class, taps.rows(), taps::rowTags);
            taps.counters(tapReturnCounters);
            portTxCounters = counters.define("port_tx", PortTxCounter.class, 1, r -> new String[0]);
            CounterGroup<SupervisionCounter> supervision = counters.define("supervision", SupervisionCounter.class,
                    workerCount + spec.maxEntries(), row -> new String[] {"thread", row < workerCount
                            ? spec.workers().get(row).name() : "cpumap/" + (row - workerCount)});
            supervisor = new Supervisor(STALL_AFTER, supervision.newBlock(0, workerCount + spec.maxEntries()));
            map = new CpuMap(spec.maxEntries(), Cpus.usable(), quiescence, this::newConsumer, STALL_AFTER);
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
        Delivery delivery = delivery(index, parts, arena);
        Redirector redirector = redirector(parts, arena);
        PortTx portTx = portTx(lane, parts, arena);
        int[] lastLane = {lane};
        // A restarted worker gave its lane back when its thread ended: it takes a fresh one.
        Supplier<PortTx> portTxs = new Supplier<>() {
            private boolean first = true;

            @Override
            public synchronized PortTx get() {
                if (first) {
                    first = false;
                    return portTx;
                }
                return portTx(lastLane[0] = lanes.acquire(), parts, arena);
            }
        };
        RxWorker worker = new RxWorker(w.name(), w.cpu(), queues, slot, quiescence, () -> redirector,
                portTxs, () -> delivery, rxCounters.newBlock(index, 1));
        // The first worker also reads every TAP queue no other thread holds; a restarted worker sends
        // its return path on the lane its new port TX took.
        worker.returnPath(() -> taps.returnPath(index, lastLane[0], index == 0, pool, arena));
        if (w.skbMode()) {
            TapDevice first = tap();
            worker.skbMode(first == null ? -1L : first.macAddress48());
        }
        return worker;
    }

    private Consumer newConsumer(CpuMap m, CpuMapEntry entry) {
        hadEntry.set(entry.cpu(), 1);
        // The consumer's blocks are registered as its thread builds its parts, and folded into the
        // totals once the entry is freed (or never started). Lanes come back through PortTx.release().
        Retirements parts = new Retirements();
        // Its native buffers live as long as its entry: an update must not grow the pipeline's own
        // arena (entries come and go for ever under churn). Its return path sends on the consumer's
        // TX lane, asked for on its thread right after the lane.
        Arena own = Arena.ofShared();
        int[] lane = {-1};
        int tapQueue = spec.workers().size() + entry.cpu();
        Consumer c = new Consumer(entry, spec.batch(), spec.idle(), quiescence, () -> redirector(parts, own),
                () -> portTx(lane[0] = lanes.acquire(), parts, own), () -> delivery(tapQueue, parts, own),
                parts.register(consumerCounters, CounterBlock.of(ConsumerCounter.values()), entry.cpu()));
        c.returnPath(() -> taps.returnPath(tapQueue, lane[0], false, pool, own));
        supervisor.watch(c, tapQueue);
        entry.freed().whenComplete((v, e) -> {
            supervisor.forget(c);
            parts.retire();
            own.close();
        });
        return c;
    }

    private Redirector redirector(Retirements parts, Arena memory) {
        CounterBlock block = new CounterBlock(EnqueueCounter.values().length, spec.maxEntries());
        return new Redirector(map, memory, parts.register(enqueueCounters, block, 0));
    }

    /** Lane -1 (none free): a PortTx without ports, so TX / redirect-to-port count as errors. */
    private PortTx portTx(int lane, Retirements parts, Arena memory) {
        Port[] usable = new Port[portsById.length];
        for (int id = 0; id < portsById.length; id++) {
            if (lane >= 0 && portsById[id] != null && lane < txQueuesById[id]) {
                usable[id] = portsById[id];
            }
        }
        PortTx tx = new PortTx(usable, Math.max(lane, 0), TX_BUFFER, memory, () -> lanes.release(lane));
        parts.register(portTxCounters, tx.counters(), 0);
        return tx;
    }

    private Delivery delivery(int tapQueue, Retirements parts, Arena memory) {
        Delivery d;
        if (deliveries != null) {
            d = deliveries.apply(tapQueue);
        } else if (!taps.any()) {
            d = new DropDelivery(memory, Math.max(spec.batch(), RxWorker.BURST));
        } else {
            d = new TapDelivery(taps.byPortId(), tapQueue,
                    Math.max(Math.max(spec.batch(), RxWorker.BURST), Consumer.GRO_BATCH), memory);
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
            supervisor.watch(workers.get(i), i);
        }
    }

    /**
     * How long a hot thread may finish no poll before it is stalled, and a retired entry's consumer may
     * take to end before its retirement is stuck; from now on (the daemon's {@code stall_after_ms}).
     */
    public void stallAfter(Duration d) {
        supervisor.stallAfter(d);
        map.stuckAfter(d);
    }

    /** Retired entries whose consumer did not end within the stall time (their threads' names). */
    public List<String> stuckRetirements() {
        return map.stuckRetirements();
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
     * Hot threads still running, named with what they run (RX worker and its filter, consumer): after
     * a stop that did not finish, the ones that did not stop.
     */
    public List<String> hotThreadsAlive() {
        List<String> alive = new ArrayList<>();
        for (RxWorker w : workers) {
            if (w.threadAlive()) {
                alive.add(w.roleName() + " (" + w.work() + ")");
            }
        }
        if (!alive.isEmpty()) {
            return alive; // consumers wait for the RX workers' grace period: those are the ones stuck
        }
        List<String> stalled = supervisor.stalled();
        if (!stalled.isEmpty()) {
            return stalled; // the others wait behind them for the reaper
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("cpumap/") && t.getName().contains("/map:") && t.isAlive()) {
                alive.add(t.getName());
            }
        }
        return alive;
    }

    /** Hot threads stalled now (no poll finished for the stall time), each as "name (filter or program)". */
    public List<String> stalledHotThreads() {
        return supervisor.stalled();
    }

    /** One line per hot thread for {@code status}: name, cpu, what it runs, polls finished, stalled now. */
    public List<HotThread> hotThreads() {
        List<HotThread> out = new ArrayList<>();
        for (RxWorker w : workers) {
            out.add(new HotThread(w.roleName(), w.cpu(), w.work(), w.polls(), supervisor.isStalled(w)));
        }
        for (int k = 0; k < map.maxEntries(); k++) {
            CpuMapEntry e = map.entry(k);
            if (e != null && e.consumer() instanceof Consumer c) {
                out.add(new HotThread(c.roleName(), c.cpu(), c.work(), c.polls(), supervisor.isStalled(c)));
            }
        }
        return out;
    }

    /** A hot thread as {@code status} shows it. */
    public record HotThread(String name, int cpu, String work, long polls, boolean stalled) {
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
        supervisor.close();
        map.close();
        int inUse = closeQuietly();
        return inUse;
    }

    @Override
    public void close() {
        shutdown();
    }

    /**
     * Once no thread sends any more: an empty burst on every TX queue, so that drivers which free
     * sent mbufs only when they next send (net_af_xdp's completion ring) give the last ones back.
     */
    private void reclaimSent() {
        if (txQueuesById == null || !rxStopped) {
            return;
        }
        try (Arena scratch = Arena.ofConfined()) {
            HandleArray none = new HandleArray(scratch, 1);
            Thread.sleep(20); // the kernel completes what was sent last
            for (Port p : ports.values()) {
                for (int q = 0; q < txQueuesById[p.id()]; q++) {
                    p.txBurst(q, none, 0, 0);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "reclaiming sent mbufs: {0}", e.getMessage());
        }
    }

    private int closeQuietly() {
        reclaimSent();
        for (Port p : ports.values()) {
            try {
                p.stop();
                p.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing port {0}: {1}", p.name(), e.getMessage());
            }
        }
        if (taps != null) {
            taps.close();
        }
        int inUse = pool.inUse() - heldAfterClose;
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

    /** The TAP of the first port that has one (a single-port pipeline's TAP), null when none. */
    public TapDevice tap() {
        return taps == null || !taps.any() ? null : taps.devices().getFirst();
    }

    /** Every TAP, in port order. */
    public List<TapDevice> taps() {
        return taps.devices();
    }

    /** The pipeline's name of the port each of {@link #taps()} belongs to. */
    public List<String> tapPortNames() {
        return taps.portNames();
    }

    /** The MTU of port {@code portIndex} (spec order), as applied to the port and its TAP. */
    public int mtu(int portIndex) {
        return mtus[portIndex];
    }

    /** Mbufs net_af_xdp ports keep for good when closed (their fill rings), left out of the leak count. */
    public int heldByDriversAfterClose() {
        return heldAfterClose;
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
        TapDevice first = tap();
        return first == null ? 0 : first.queueCount();
    }
}
