package io.cpumapd.metrics;

import io.cpumapd.cpumap.Redirector;
import io.cpumapd.tap.InjectError;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.RxCounter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The daemon's meters: every one a {@link FunctionCounter} or a {@link Gauge} that reads a
 * {@link MetricsSource} when scraped, so the hot threads do nothing for metrics beyond bumping
 * their own counters. The label sets (ports, workers, cpus {@code 0..max_entries-1}, TAP queues,
 * verdicts, drop reasons, errno names) are fixed here at start, so every series exists from the
 * first scrape and the cardinality is bounded.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * CpumapdMeters meters = CpumapdMeters.register(registry, source);   // + JVM meters
 * MetricsServer server = MetricsServer.start("127.0.0.1", 9477, registry);
 * ...
 * server.close();   // first: no scrape may reach the source afterwards
 * meters.close();   // removes the cpumapd meters before the source's ports and rings go away
 * }</pre>
 */
public final class CpumapdMeters implements AutoCloseable {
    private final MeterRegistry registry;
    private final MetricsSource source;
    /**
     * Micrometer holds the state object of a function counter or gauge through a weak reference;
     * a reading that only the meter knew would be collected and the series would read NaN. These
     * keep them alive for as long as the meters are registered.
     */
    private final List<Object> readings = new ArrayList<>();
    private final List<Meter> meters = new ArrayList<>();
    /** The JVM meters' own state: kept past {@link #close()}, as those meters stay. */
    private final List<Object> jvmReadings = new ArrayList<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    private CpumapdMeters(MeterRegistry registry, MetricsSource source) {
        this.registry = registry;
        this.source = source;
    }

    /** Registers every cpumapd meter reading {@code source}, and the JVM and process meters, on {@code registry}. */
    public static CpumapdMeters register(MeterRegistry registry, MetricsSource source) {
        CpumapdMeters m = new CpumapdMeters(registry, source);
        m.configureFilters();
        m.registerBuildInfo();
        m.registerPorts();
        m.registerRx();
        m.registerEnqueue();
        m.registerConsumers();
        m.registerTap();
        m.registerGlobal();
        m.registerJvm();
        return m;
    }

    private void registerBuildInfo() {
        Object one = new Object();
        readings.add(one);
        meters.add(Gauge.builder("cpumapd.build.info", one, o -> 1)
                .description("Build metadata: always 1, the versions are in the labels")
                .tags("version", source.version(), "dpdk_version", source.dpdkVersion())
                .register(registry));
    }

    private void registerPorts() {
        List<String> names = source.portNames();
        for (int p = 0; p < names.size(); p++) {
            int port = p;
            Tags tags = Tags.of("port", names.get(p));
            for (PortCounter c : PortCounter.ALL) {
                counter(c.meterName(), c.description(), tags, () -> source.port(port, c));
            }
        }
    }

    private void registerRx() {
        List<String> names = source.workerNames();
        for (int w = 0; w < names.size(); w++) {
            int worker = w;
            Tags tags = Tags.of("worker", names.get(w), "cpu", Integer.toString(source.workerCpu(w)));
            counter("cpumapd.rx.packets", "Packets the RX worker received", tags,
                    () -> source.rx(worker, RxCounter.RX));
            for (RxCounter v : new RxCounter[] {RxCounter.ABORTED, RxCounter.DROP, RxCounter.PASS, RxCounter.TX,
                    RxCounter.REDIRECT}) {
                counter("cpumapd.rx.verdicts", "Final actions the RX worker took, by verdict",
                        tags.and("verdict", v.label()), () -> source.rx(worker, v));
            }
            counter("cpumapd.rx.redirect.errors", "REDIRECTs to a key without entry or an unknown port (then ABORTED)",
                    tags, () -> source.rx(worker, RxCounter.REDIRECT_ERRORS));
            counter("cpumapd.rx.exceptions", "Packets whose filter threw (then ABORTED)", tags,
                    () -> source.rx(worker, RxCounter.EXCEPTIONS));
            counter("cpumapd.rx.pass.drops", "PASS packets the local delivery could not hand to the kernel", tags,
                    () -> source.rx(worker, RxCounter.PASS_DROPS));
            counter("cpumapd.rx.tx.errors", "TX packets dropped: no TX queue of the worker on the port", tags,
                    () -> source.rx(worker, RxCounter.TX_ERRORS));
            counter("cpumapd.rx.skb.errors", "skb mode: REDIRECTs of frames too short for an SkBuff, dropped", tags,
                    () -> source.rx(worker, RxCounter.SKB_ERRORS));
        }
    }

    private void registerEnqueue() {
        for (int k = 0; k < source.maxEntries(); k++) {
            int cpu = k;
            Tags tags = cpuTags(cpu);
            counter("cpumapd.enqueue.packets", "Packets the RX workers put into the cpu's ring", tags,
                    () -> source.enqueue(cpu, Redirector.ENQUEUED));
            counter("cpumapd.enqueue.drops", "Packets dropped because the cpu's ring was full", tags,
                    () -> source.enqueue(cpu, Redirector.DROPS));
            counter("cpumapd.enqueue.bulk.calls", "Bulk enqueue calls to the cpu's ring", tags,
                    () -> source.enqueue(cpu, Redirector.BULK_CALLS));
            gauge("cpumapd.ring.used.slots", "Packets waiting in the cpu's ring (0 without entry)", tags,
                    () -> source.ringUsed(cpu));
            gauge("cpumapd.ring.capacity.slots", "Size of the cpu's ring, its qsize (0 without entry)", tags,
                    () -> source.ringCapacity(cpu));
        }
    }

    private void registerConsumers() {
        for (int k = 0; k < source.maxEntries(); k++) {
            int cpu = k;
            Tags tags = cpuTags(cpu);
            counter("cpumapd.consumer.processed", "Packets the cpu's consumer dequeued", tags,
                    () -> source.consumer(cpu, ConsumerCounter.PROCESSED));
            for (ConsumerDropReason r : ConsumerDropReason.ALL) {
                counter("cpumapd.consumer.drops", "Packets the cpu's consumer did not deliver, by reason",
                        tags.and("reason", r.label()), () -> source.consumerDrops(cpu, r));
            }
            counter("cpumapd.consumer.sched", "Times the cpu's consumer gave its core away while idle", tags,
                    () -> source.consumer(cpu, ConsumerCounter.SCHED));
            for (ConsumerCounter v : new ConsumerCounter[] {ConsumerCounter.PASS, ConsumerCounter.DROP,
                    ConsumerCounter.REDIRECT}) {
                counter("cpumapd.consumer.verdicts", "Verdicts of the cpu's program, by verdict",
                        tags.and("verdict", v.label()), () -> source.consumer(cpu, v));
            }
            counter("cpumapd.consumer.exceptions", "ABORTED, TX, a throwing program or a redirect without target",
                    tags, () -> source.consumer(cpu, ConsumerCounter.EXCEPTIONS));
            seconds("cpumapd.consumer.busy.seconds", "Time the cpu's consumer spent working", tags,
                    () -> source.consumerTimeNs(cpu, true));
            seconds("cpumapd.consumer.idle.seconds", "Time the cpu's consumer spent idle", tags,
                    () -> source.consumerTimeNs(cpu, false));
        }
    }

    private void registerTap() {
        for (int q = 0; q < source.tapQueues(); q++) {
            int queue = q;
            Tags tags = Tags.of("queue", Integer.toString(q));
            counter("cpumapd.tap.packets", "Frames the kernel accepted from the TAP queue", tags,
                    () -> source.tapPackets(queue));
            counter("cpumapd.tap.bytes", "Ethernet bytes the kernel accepted from the TAP queue", tags,
                    () -> source.tapBytes(queue));
            for (InjectError e : InjectError.values()) {
                counter("cpumapd.tap.errors", "Frames the kernel refused on the TAP queue, by errno",
                        tags.and("errno", e.name()), () -> source.tapErrors(queue, e));
            }
        }
    }

    private void registerGlobal() {
        gauge("cpumapd.mempool.size.mbufs", "Mbufs in the packet mempool", Tags.empty(), source::mempoolSize);
        gauge("cpumapd.mempool.in.use.mbufs", "Mbufs of the packet mempool in use", Tags.empty(),
                source::mempoolInUse);
        counter("cpumapd.filter.swaps", "Times the RX filter was replaced", Tags.empty(), source::filterSwaps);
        gauge("cpumapd.cpumap.entries", "Live cpumap entries", Tags.empty(), source::cpumapEntries);
    }

    /**
     * Micrometer's processor binder exports two names that {@code promtool check metrics} flags:
     * {@code process_cpu_time_ns_total} (an abbreviated unit, and not the base unit) and
     * {@code system_cpu_count} (a {@code _count} suffix outside a summary). The first becomes the
     * name every Prometheus client uses, {@code process_cpu_seconds_total}, in seconds; the second
     * {@code system_cpus}. Filters apply to meters registered after them, hence first thing.
     */
    private void configureFilters() {
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
        });
    }

    private void registerJvm() {
        // JVM meters read the JVM, not the source: they stay registered after close().
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            MonotonicReading cpu = new MonotonicReading(os::getProcessCpuTime, 1e-9);
            jvmReadings.add(cpu);
            FunctionCounter.builder("process.cpu.seconds", cpu, MonotonicReading::value)
                    .description("CPU time the JVM process used").baseUnit("seconds").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private static Tags cpuTags(int cpu) {
        return Tags.of("cpu", Integer.toString(cpu));
    }

    private void counter(String name, String description, Tags tags, LongSupplier read) {
        MonotonicReading r = new MonotonicReading(read, 1);
        readings.add(r);
        meters.add(FunctionCounter.builder(name, r, MonotonicReading::value)
                .description(description).tags(tags).register(registry));
    }

    private void seconds(String name, String description, Tags tags, LongSupplier readNs) {
        MonotonicReading r = new MonotonicReading(readNs, 1e-9);
        readings.add(r);
        meters.add(FunctionCounter.builder(name, r, MonotonicReading::value)
                .description(description).baseUnit("seconds").tags(tags).register(registry));
    }

    private void gauge(String name, String description, Tags tags, LongSupplier read) {
        GaugeReading r = new GaugeReading(read);
        readings.add(r);
        meters.add(Gauge.builder(name, r, GaugeReading::value).description(description).tags(tags)
                .register(registry));
    }

    /** Removes the cpumapd meters (after this no scrape reads the source) and stops the GC listener. */
    @Override
    public void close() {
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
        readings.clear();
        gcMetrics.close();
    }

    /**
     * A counter as exported: the highest value the source ever returned. Per-cpu counters outlive
     * the cpumap entries that produce them: an entry replaced by {@code cpumap.update} brings a new
     * consumer whose counter block starts at zero. The source is meant to add the retired blocks
     * (it does, under the lock that hands a block over), but a source that read only the live
     * entry, or read a block after it left the live set and before it reached the retired sum,
     * would show a dip; Prometheus takes any decrease of a counter for a restart, and
     * {@code rate()} would then count the whole value again as a spike. Clamping here keeps that
     * contract in one visible place instead of in every source. Scrapes may run on two HTTP
     * threads at once, hence the atomic max.
     */
    static final class MonotonicReading {
        private final LongSupplier read;
        private final double scale;
        private final AtomicLong max = new AtomicLong();

        MonotonicReading(LongSupplier read, double scale) {
            this.read = read;
            this.scale = scale;
        }

        double value() {
            long v;
            try {
                v = read.getAsLong();
            } catch (RuntimeException e) {
                // A source that cannot answer (a port being closed) must not fail the whole scrape:
                // the counter keeps its last value.
                return max.get() * scale;
            }
            return max.accumulateAndGet(v, Math::max) * scale;
        }
    }

    /** A gauge's reading: any value, NaN (no sample) when the source cannot answer. */
    static final class GaugeReading {
        private final LongSupplier read;

        GaugeReading(LongSupplier read) {
            this.read = read;
        }

        double value() {
            try {
                return read.getAsLong();
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        }
    }
}
