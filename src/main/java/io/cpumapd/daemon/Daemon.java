package io.cpumapd.daemon;

import io.cpumapd.config.Config;
import io.cpumapd.config.CpuMapEntryConfig;
import io.cpumapd.config.Cpus;
import io.cpumapd.config.PortConfig;
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
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import net.openhft.affinity.Affinity;

/**
 * The cpumapd daemon: brings up, in order, the control socket (first, so that a second daemon is
 * refused before it touches DPDK or the TAP), the EAL, the pipeline (mempool, ports, TAP, cpumap,
 * RX workers), the configured entries, the filter, the metrics endpoint, then starts RX. On
 * {@link #stop()} it takes them down in the order of DESIGN.md: stop RX (bulk queues flushed),
 * consumers drain their rings into the TAP, TAP, ports, mempool (reported when not full).
 */
public final class Daemon implements AutoCloseable {
    private final Config config;
    private final long startedNs = System.nanoTime();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ControlServer control;
    private Eal eal;
    private Pipeline pipeline;
    private FilterState filters;
    private MetricsServer metrics;
    private PrometheusMeterRegistry registry;
    private CpumapdMeters meters;
    private volatile boolean running;
    private int leakedAtStop = -1;

    private Daemon(Config config) {
        this.config = config;
    }

    /** Starts every component or, when one fails, takes down those already up and rethrows. */
    public static Daemon start(Config config) throws IOException, ControlException {
        Daemon d = new Daemon(config);
        try {
            d.bringUp();
        } catch (IOException | ControlException | RuntimeException e) {
            d.takeDown();
            throw e;
        }
        return d;
    }

    private void bringUp() throws IOException, ControlException {
        DaemonHandler handler = new DaemonHandler(this);
        control = ControlServer.start(config.control().socket(), config.control().mode(), handler);
        Log.info("control", "listening on " + control.socket() + " (mode " + config.control().mode() + ")");

        List<String> args = ealArgs(config);
        eal = Eal.init(args);
        // rte_eal_init pins this thread to the main lcore; control threads started from here on
        // would inherit that single CPU. Hot threads pin themselves.
        Affinity.setAffinity(Cpus.online());
        Log.info("eal", Eal.version() + " started: " + String.join(" ", args));

        filters = new FilterState(config.filter());
        pipeline = Pipeline.create(spec(config), filters.initial());
        Log.info("mempool", pipeline.mempool().name() + ": " + pipeline.mempool().size() + " mbufs");
        for (var e : pipeline.ports().entrySet()) {
            Log.info("port", e.getKey() + " = " + e.getValue() + ", link " + e.getValue().link());
        }
        if (pipeline.tap() != null) {
            Log.info("tap", pipeline.tap().name() + ": " + pipeline.tap().queueCount() + " queues, vnet_hdr "
                    + pipeline.tap().vnetHdr() + (config.tap().address() == null ? "" : ", " + config.tap().address()));
        }
        for (CpuMapEntryConfig e : config.cpumap().entries()) {
            try {
                pipeline.update(e.cpu(), e.qsize(), filters.program(e.program(), e.params()), CpuMap.ANY);
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
            meters = CpumapdMeters.register(registry, new PipelineMetrics(pipeline, filters));
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
        SystemdNotify.ready();
        Log.info("cpumapd", "ready (pid " + ProcessHandle.current().pid() + ")");
    }

    /** CPUs no hot thread is configured on, for scrapes and control; null (inherit) when every CPU is hot. */
    static BitSet housekeepingCpus(Config config) {
        BitSet free = Cpus.online();
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
        for (PortConfig p : c.ports()) {
            ports.add(new PipelineSpec.PortSpec(p.name(), p.device(), p.rxQueues(),
                    p.rxDescriptors(), p.txDescriptors(), p.promiscuous()));
        }
        List<PipelineSpec.WorkerSpec> workers = new ArrayList<>();
        for (RxWorkerConfig w : c.rxWorkers()) {
            workers.add(new PipelineSpec.WorkerSpec(w.name(), w.core(),
                    w.queues().stream().map(q -> new PipelineSpec.QueueRef(q.port(), q.queue())).toList(),
                    w.skbMode(), w.idle()));
        }
        return new PipelineSpec("cpumapd", c.mempool().mbufs(), c.mempool().cache(), c.mempool().dataRoom(), ports,
                workers, c.cpumap().maxEntries(), c.consumer().batch(), c.consumer().idle(), tapOptions(c));
    }

    private static TapOptions tapOptions(Config c) {
        TapConfig t = c.tap();
        TapOptions.Builder b = TapOptions.builder(t.name()).queues(t.effectiveQueues(c)).mtuBytes(t.mtu())
                .vnetHdr(t.vnetHdr());
        if (t.address() != null) {
            try {
                b.ipv4((Inet4Address) InetAddress.getByName(t.addressIp()), t.prefixLength());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("tap.address: " + e.getMessage(), e);
            }
        }
        if (t.mac() != null) {
            b.macAddress(t.mac());
        }
        return b.build();
    }

    /** Blocks until {@link #stop()} completed. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** The orderly shutdown; returns the mbufs that were still in use (0 when nothing leaked). */
    public synchronized int stop() {
        if (!running && leakedAtStop >= 0) {
            return leakedAtStop;
        }
        running = false;
        SystemdNotify.stopping();
        Log.info("cpumapd", "stopping: RX first, then consumers drain their rings");
        takeDown();
        stopped.countDown();
        return leakedAtStop;
    }

    private void takeDown() {
        if (pipeline != null) {
            pipeline.stopRx();
            Log.info("rx", "stopped, bulk queues flushed");
            pipeline.map().close();
            Log.info("cpumap", "entries drained and freed: " + Summary.line(pipeline));
            leakedAtStop = pipeline.shutdown();
            Log.info("mempool", leakedAtStop == 0 ? "full again, freed"
                    : leakedAtStop + " mbufs still in use at shutdown (leak)");
        } else {
            leakedAtStop = 0;
        }
        if (metrics != null) {
            metrics.close();
        }
        if (meters != null) {
            meters.close();
        }
        if (control != null) {
            try {
                control.close();
            } catch (IOException e) {
                Log.warn("control", "closing: " + e.getMessage());
            }
        }
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

    public String metricsUrl() {
        return metrics == null ? null : metrics.uri().toString();
    }
}
