package io.cpumapd.metrics;

import io.cpumapd.counters.CounterDescriptor;
import io.cpumapd.counters.CounterGroup;
import io.cpumapd.counters.Export;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The daemon's meters: every one a {@link FunctionCounter} or a {@link Gauge} that reads a
 * {@link MetricsSource} when scraped, so the hot threads do nothing for metrics beyond bumping
 * their own counters. The per-thread counters come from the source's counter registry, named by
 * their descriptors; the label sets (ports, workers, cpus {@code 0..max_entries-1}, TAP queues,
 * verdicts, drop reasons, errno names) are fixed at start, so every series exists from the first
 * scrape and the cardinality is bounded.
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
        m.registerCounters();
        m.registerRings();
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

    /** Every exported counter of every set, per row: the descriptors say name, help, label and unit. */
    private void registerCounters() {
        for (CounterGroup<?> g : source.counters().groups()) {
            registerGroup(g);
        }
    }

    private <E extends Enum<E> & CounterDescriptor> void registerGroup(CounterGroup<E> g) {
        for (int r = 0; r < g.rows(); r++) {
            int row = r;
            Tags rowTags = Tags.of(g.rowTags(row));
            for (E d : g.descriptors()) {
                for (Export x : d.exports()) {
                    Tags tags = x.tagKey() == null ? rowTags : rowTags.and(x.tagKey(), x.tagValue());
                    if (d.unit().equals("nanoseconds")) {
                        seconds(x.meter(), x.help(), tags, () -> g.get(d, row));
                    } else if (d.unit().equals("state")) {
                        gauge(x.meter(), x.help(), tags, () -> g.get(d, row));
                    } else {
                        counter(x.meter(), x.help(), tags, () -> g.get(d, row));
                    }
                }
            }
        }
    }

    private void registerRings() {
        for (int k = 0; k < source.maxEntries(); k++) {
            int cpu = k;
            Tags tags = cpuTags(cpu);
            gauge("cpumapd.ring.used.slots", "Packets waiting in the cpu's ring (0 without entry)", tags,
                    () -> source.ringUsed(cpu));
            gauge("cpumapd.ring.capacity.slots", "Size of the cpu's ring, its qsize (0 without entry)", tags,
                    () -> source.ringCapacity(cpu));
        }
    }

    private void registerGlobal() {
        gauge("cpumapd.mempool.size.mbufs", "Mbufs in the packet mempool", Tags.empty(), source::mempoolSize);
        gauge("cpumapd.mempool.in.use.mbufs", "Mbufs of the packet mempool in use", Tags.empty(),
                source::mempoolInUse);
        counter("cpumapd.filter.swaps", "Times the RX filter was replaced", Tags.empty(), source::filterSwaps);
        gauge("cpumapd.cpumap.entries", "Live cpumap entries", Tags.empty(), source::cpumapEntries);
        gauge("cpumapd.cpumap.retirements.pending", "Replaced or deleted entries whose consumer has not ended yet",
                Tags.empty(), source::retirementsPending);
        gauge("cpumapd.cpumap.retirements.stuck", "Retiring entries whose consumer did not end within the stall "
                + "time (it keeps its lcore and ring)", Tags.empty(), source::retirementsStuck);
        gauge("cpumapd.cpumap.rings.deferred", "Rings of retired entries kept until a stuck thread passes a "
                + "quiescent point", Tags.empty(), source::ringsDeferred);
        MetricsSource.ControlCounters control = source.control();
        if (control != null) {
            gauge("cpumapd.control.connections", "Control socket connections open", Tags.empty(),
                    control::connections);
            counter("cpumapd.control.connections.refused", "Control connections refused: the connection limit was "
                    + "reached", Tags.empty(), control::refusedBusy);
            counter("cpumapd.control.connections.evicted", "Control connections closed for idling or trickling "
                    + "past the request deadline", Tags.empty(), control::evictedIdle);
            counter("cpumapd.control.request.timeouts", "Control requests that did not finish within their "
                    + "deadline", Tags.empty(), control::requestTimeouts);
        }
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
