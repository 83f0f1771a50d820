package io.cpumapd.daemon;

import io.cpumapd.config.Config;
import io.cpumapd.config.CpuMapEntryConfig;
import io.cpumapd.config.Cpus;
import io.cpumapd.config.PortConfig;
import io.cpumapd.config.PortTapConfig;
import io.cpumapd.config.QueueRef;
import io.cpumapd.config.RxWorkerConfig;
import io.cpumapd.config.TapConfig;
import io.cpumapd.control.ControlException;
import io.cpumapd.control.ControlServer;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapException;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.metrics.CpumapdMeters;
import io.cpumapd.metrics.MetricsServer;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.pipeline.PipelineSpec;
import io.cpumapd.tap.TapOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.filter.Programs;
import io.cpumapd.packet.PacketFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import net.openhft.affinity.Affinity;

/**
 * The cpumapd daemon: brings up, in order, the control socket (first, so that a second daemon is
 * refused before it touches DPDK or the TAP), the EAL, the pipeline (mempool, ports, TAP, cpumap,
 * RX workers), the configured entries, the filter, the metrics endpoint, then starts RX. On
 * {@link #stop()} it takes them down in the order of DESIGN.md: stop RX (bulk queues flushed),
 * consumers drain their rings into the TAP, TAP, ports, mempool (reported when not full).
 */
public final class Daemon implements AutoCloseable {
    /** How long a stop waits for control requests in progress before it frees anything. */
    private static final Duration REQUESTS_DRAIN = Duration.ofSeconds(10);

    private volatile Config config;
    private final Path configFile;
    private final long startedNs = System.nanoTime();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Control requests hold it shared while they run; a stop takes it whole before anything native is freed. */
    private final ReentrantReadWriteLock requests = new ReentrantReadWriteLock();
    /** The entries as the configuration or the control socket last set them, by key (what a reload compares). */
    private final Map<Integer, CpuMapEntryConfig> applied = new ConcurrentHashMap<>();
    private ScheduledExecutorService housekeeping;
    private ControlServer control;
    private Eal eal;
    private Pipeline pipeline;
    private FilterState filters;
    private MetricsServer metrics;
    private PrometheusMeterRegistry registry;
    private CpumapdMeters meters;
    private volatile boolean running;
    private volatile boolean stopping;
    private int leakedAtStop = -1;

    private Daemon(Config config, Path configFile) {
        this.config = config;
        this.configFile = configFile;
    }

    /** Starts every component or, when one fails, takes down those already up and rethrows. */
    public static Daemon start(Config config) throws IOException, ControlException {
        return start(config, null);
    }

    /** As {@link #start(Config)}; {@code configFile} (null: embedded) is what a reload re-reads. */
    public static Daemon start(Config config, Path configFile) throws IOException, ControlException {
        Daemon d = new Daemon(config, configFile);
        try {
            d.bringUp();
        } catch (IOException | ControlException | RuntimeException e) {
            d.takeDown();
            throw e;
        }
        return d;
    }

    private void bringUp() throws IOException, ControlException {
        Logging.level(config.daemon().logLevel());
        DaemonHandler handler = new DaemonHandler(this);
        control = ControlServer.start(config.control().socket(), config.control().mode(), handler);
        Log.info("control", "listening on " + control.socket() + " (mode " + config.control().mode() + ")");

        List<String> args = ealArgs(config);
        eal = Eal.init(args);
        // rte_eal_init pins this thread to the main lcore; control threads started from here on
        // would inherit that single CPU. Hot threads pin themselves.
        Affinity.setAffinity(Cpus.usable());
        Log.info("eal", Eal.version() + " started: " + String.join(" ", args));

        filters = new FilterState(config.filter());
        pipeline = Pipeline.create(spec(config), filters.initial());
        pipeline.stallAfter(config.daemon().stallAfter());
        Log.info("mempool", pipeline.mempool().name() + ": " + pipeline.mempool().size() + " mbufs");
        for (var e : pipeline.ports().entrySet()) {
            Log.info("port", e.getKey() + " = " + e.getValue() + ", link " + e.getValue().link());
        }
        for (int i = 0; i < pipeline.taps().size(); i++) {
            var tap = pipeline.taps().get(i);
            Log.info("tap", tap.name() + " (port " + pipeline.tapPortNames().get(i) + "): " + tap.queueCount()
                    + " queues, MTU " + pipeline.mtu(config.portIndex(pipeline.tapPortNames().get(i))) + ", MAC "
                    + java.util.HexFormat.ofDelimiter(":").formatHex(tap.macAddress()) + ", vnet_hdr " + tap.vnetHdr()
                    + ", offloads 0x" + Integer.toHexString(tap.offloads()));
        }
        for (CpuMapEntryConfig e : config.cpumap().entries()) {
            try {
                PacketFilter program = filters.program(e.program(), e.params());
                pipeline.map().update(e.cpu(), e.qsize(), program, CpuMap.ANY,
                        Programs.redirectTargets(e.program(), e.params(), program), e.gro());
                applied.put(e.cpu(), e);
            } catch (CpuMapException ex) {
                throw new IllegalStateException("cpumap entry " + e.cpu() + ": " + ex.getMessage(), ex);
            }
            Log.info("cpumap", "entry cpu " + e.cpu() + " qsize " + e.qsize() + " program " + e.program()
                    + ": consumer cpumap/" + e.cpu() + "/map:" + pipeline.map().id() + " running");
        }
        filters.attach(pipeline);
        Log.info("filter", filters.describe());

        if (config.metrics().enabled()) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            meters = CpumapdMeters.register(registry, new PipelineMetrics(pipeline, filters, control));
            metrics = MetricsServer.start(config.metrics().bind(), config.metrics().port(), registry,
                    housekeepingCpus(config));
            Log.info("metrics", "serving " + metrics.uri());
        }

        pipeline.startRx();
        for (RxWorkerConfig w : config.rxWorkers()) {
            Log.info("rx", w.name() + " on cpu " + w.core() + " polling "
                    + w.queues().stream().map(QueueRef::describe).toList());
        }
        running = true;
        startHousekeeping();
        SystemdNotify.ready();
        Log.info("cpumapd", "ready (pid " + ProcessHandle.current().pid() + ")");
    }

    /** {@code WATCHDOG=1} at half the period systemd asked for, only while no hot thread is stalled. */
    private void startHousekeeping() {
        long usec = SystemdNotify.watchdogUsec();
        if (usec <= 0) {
            return;
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cpumapd-watchdog");
            t.setDaemon(true);
            return t;
        });
        housekeeping.scheduleAtFixedRate(() -> {
            if (running && pipeline.stalledHotThreads().isEmpty()) {
                SystemdNotify.watchdog();
            }
        }, 0, Math.max(1, usec / 2), TimeUnit.MICROSECONDS);
        Log.info("systemd", "watchdog every " + usec / 2000 + " ms while every hot thread runs");
    }

    /**
     * Runs a control request unless the daemon is stopping: the stop waits for requests in progress
     * before it frees anything, and refuses new ones (ESHUTDOWN) from then on.
     */
    <T> T request(ControlCall<T> call) throws ControlException {
        if (!requests.readLock().tryLock()) {
            throw stoppingError();
        }
        try {
            if (!running) {
                throw stoppingError();
            }
            return call.run();
        } finally {
            requests.readLock().unlock();
        }
    }

    private ControlException stoppingError() {
        return new ControlException(ControlException.ESHUTDOWN, stopping
                ? "cpumapd is stopping: no requests are taken any more" : "cpumapd is still starting; try again");
    }

    @FunctionalInterface
    interface ControlCall<T> {
        T run() throws ControlException;
    }

    /** Records what the control socket set the entry of {@code cpu} to (null: deleted), for reloads. */
    void applied(int cpu, CpuMapEntryConfig entry) {
        if (entry == null) {
            applied.remove(cpu);
        } else {
            applied.put(cpu, entry);
        }
    }

    /** SIGHUP and {@code cpumapd reload}: see {@link Reload}. One at a time. */
    synchronized ObjectNode reload() throws ControlException {
        if (configFile == null) {
            throw new ControlException(ControlException.EINVAL,
                    "started with the embedded configuration: there is no file to re-read");
        }
        SystemdNotify.reloading();
        try {
            return new Reload(this, pipeline, filters, applied).run(configFile);
        } finally {
            SystemdNotify.ready();
        }
    }

    /** SIGHUP: a reload whose outcome goes to the log only. */
    public void reloadFromSignal() {
        try {
            request(this::reload);
        } catch (ControlException e) {
            Log.info("reload", e.getMessage());
        }
    }

    void config(Config fresh) {
        this.config = fresh;
    }

    /** CPUs no hot thread is configured on, for scrapes and control; null (inherit) when every CPU is hot. */
    static BitSet housekeepingCpus(Config config) {
        BitSet free = Cpus.usable();
        config.rxWorkers().forEach(w -> free.clear(w.core()));
        config.cpumap().entries().forEach(e -> free.clear(e.cpu()));
        return free.isEmpty() ? null : free;
    }

    /** The config's EAL arguments (the config refuses -l and --file-prefix there) plus the two the daemon sets. */
    static List<String> ealArgs(Config config) {
        List<String> args = new ArrayList<>(config.ealArgs());
        // One runtime dir per daemon identity (its control socket), reused across restarts; the
        // socket check already keeps a second daemon of the same identity out.
        String socket = config.control().socket().toAbsolutePath().toString();
        args.add("--file-prefix=cpumapd" + (socket.equals("/run/cpumapd/cpumapd.sock") ? ""
                : "-" + Integer.toHexString(socket.hashCode())));
        // The main lcore only runs control work; the hot threads pin and register themselves.
        args.add("-l");
        args.add(Integer.toString(config.rxWorkers().getFirst().core()));
        return args;
    }

    static PipelineSpec spec(Config c) {
        List<PipelineSpec.PortSpec> ports = new ArrayList<>();
        for (int i = 0; i < c.ports().size(); i++) {
            PortConfig p = c.ports().get(i);
            ports.add(new PipelineSpec.PortSpec(p.name(), p.device(), p.rxQueues(),
                    p.rxDescriptors(), p.txDescriptors(), p.promiscuous(), c.mtu(i), tapOptions(c, i)));
        }
        List<PipelineSpec.WorkerSpec> workers = new ArrayList<>();
        for (RxWorkerConfig w : c.rxWorkers()) {
            workers.add(new PipelineSpec.WorkerSpec(w.name(), w.core(),
                    w.queues().stream().map(q -> new PipelineSpec.QueueRef(q.port(), q.queue())).toList(),
                    w.skbMode(), w.idle()));
        }
        return new PipelineSpec("cpumapd", c.mempool().mbufs(), c.mempool().cache(), c.mempool().dataRoom(), ports,
                workers, c.cpumap().maxEntries(), c.consumer().batch(), c.consumer().idle(), null);
    }

    /**
     * The TAP of port {@code index}: the port's own tap settings, else (first port) the top-level
     * ones; queues, vnet header and offloads always from the top-level section; no MAC means the port's.
     */
    static TapOptions tapOptions(Config c, int index) {
        TapConfig t = c.tap();
        PortTapConfig own = c.ports().get(index).tap();
        boolean first = index == 0;
        String address = own.address() != null ? own.address() : first ? t.address() : null;
        String address6 = own.address6() != null ? own.address6() : first ? t.address6() : null;
        String mac = own.mac() != null ? own.mac() : first ? t.mac() : null;
        TapOptions.Builder b = TapOptions.builder(c.tapName(index)).queues(t.effectiveQueues(c)).mtuBytes(c.mtu(index))
                .vnetHdr(t.vnetHdr()).offloads(t.offloads());
        try {
            if (address != null) {
                int slash = address.indexOf('/');
                b.ipv4((Inet4Address) InetAddress.getByName(address.substring(0, slash)),
                        Integer.parseInt(address.substring(slash + 1)));
            }
            if (address6 != null) {
                int slash = address6.indexOf('/');
                b.ipv6((Inet6Address) InetAddress.getByName(address6.substring(0, slash)),
                        Integer.parseInt(address6.substring(slash + 1)));
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("tap address: " + e.getMessage(), e);
        }
        if (mac != null) {
            b.macAddress(mac);
        }
        return b.build();
    }

    /** Blocks until {@link #stop()} completed. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * The orderly shutdown; returns the mbufs that were still in use (0 when nothing leaked), or -1 when a
     * hot thread did not stop within the stop timeout ({@code daemon.stop_timeout_seconds}; nothing native was freed then; the process
     * should exit at once, non-zero).
     */
    public int stop() {
        synchronized (this) {
            if (stopping) {
                return leakedAtStop;
            }
            stopping = true;
            running = false;
        }
        SystemdNotify.stopping();
        Log.info("cpumapd", "stopping: metrics and control first, then RX, then consumers drain their rings");
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        closeMetrics();
        Log.info("metrics", "stopped answering");
        awaitRequests();
        Log.info("control", "requests in progress done; new ones are refused (ESHUTDOWN) from now on");
        Duration stopTimeout = config.daemon().stopTimeout();
        Thread down = new Thread(this::takeDown, "cpumapd-shutdown");
        down.setDaemon(true);
        down.start();
        try {
            down.join(stopTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (down.isAlive()) {
            List<String> stuck = pipeline == null ? List.of() : pipeline.hotThreadsAlive();
            Log.warn("cpumapd", "shutdown gave up after " + stopTimeout.toSeconds() + " s: "
                    + (stuck.isEmpty() ? "the shutdown did not finish" : String.join(", ", stuck) + " did not stop")
                    + "; exiting without freeing DPDK memory");
            leakedAtStop = -1;
            closeControl();
            Eal.removeRuntimeDirectory(ealArgs(config));
        }
        stopped.countDown();
        return leakedAtStop;
    }

    /** Waits for control requests in progress; afterwards none starts (they get ESHUTDOWN). */
    private void awaitRequests() {
        try {
            if (!requests.writeLock().tryLock(REQUESTS_DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                Log.info("control", "a request still runs after " + REQUESTS_DRAIN.toSeconds() + " s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeMetrics() {
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        if (meters != null) {
            meters.close();
            meters = null;
        }
    }

    private void closeControl() {
        if (control != null) {
            try {
                control.close();
            } catch (IOException e) {
                Log.warn("control", "closing: " + e.getMessage());
            }
            control = null;
        }
    }

    /** Native parts in the order of DESIGN.md; the metrics and control servers no longer read them. */
    private void takeDown() {
        closeMetrics();
        if (pipeline != null) {
            pipeline.stopRx();
            Log.info("rx", "stopped, bulk queues flushed");
            pipeline.map().close();
            Log.info("cpumap", "entries drained and freed: " + Summary.line(pipeline));
            leakedAtStop = pipeline.shutdown();
            if (pipeline.heldByDriversAfterClose() > 0) {
                Log.info("mempool", pipeline.heldByDriversAfterClose() + " mbufs stay in net_af_xdp fill rings"
                        + " (DPDK 22.11 does not give them back when the port closes)");
            }
            Log.info("mempool", leakedAtStop == 0 ? "full again, freed"
                    : leakedAtStop + " mbufs still in use at shutdown (leak)");
        } else {
            leakedAtStop = 0;
        }
        closeControl();
        if (eal != null) {
            eal.close();
            eal = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public Config config() {
        return config;
    }

    public boolean stopping() {
        return stopping;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public FilterState filters() {
        return filters;
    }

    public boolean running() {
        return running;
    }

    public double uptimeSeconds() {
        return (System.nanoTime() - startedNs) / 1e9;
    }

    /** The control server (its connection counters), null before it started. */
    ControlServer control() {
        return control;
    }

    public String metricsUrl() {
        return metrics == null ? null : metrics.uri().toString();
    }
}
