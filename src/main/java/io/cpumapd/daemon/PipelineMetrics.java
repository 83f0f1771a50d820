package io.cpumapd.daemon;

import io.cpumapd.control.ControlServer;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Port;
import io.cpumapd.metrics.MetricsSource;
import io.cpumapd.metrics.MetricsSource.ControlCounters;
import io.cpumapd.metrics.PortCounter;
import io.cpumapd.pipeline.Pipeline;
import java.util.List;

/** The pipeline as the metrics binding reads it at scrape time (never on a hot thread). */
final class PipelineMetrics implements MetricsSource {
    private final Pipeline p;
    private final FilterState filters;
    private final List<String> portNames;
    private final List<Port> ports;

    private final ControlCounters control;

    PipelineMetrics(Pipeline p, FilterState filters) {
        this(p, filters, null);
    }

    /** @param control the control server whose counters are exported too (null: none) */
    PipelineMetrics(Pipeline p, FilterState filters, ControlServer control) {
        this.control = control == null ? null : new ControlCounters() {
            @Override
            public long connections() {
                return control.connections();
            }

            @Override
            public long refusedBusy() {
                return control.refusedConnections();
            }

            @Override
            public long evictedIdle() {
                return control.evictedConnections();
            }

            @Override
            public long requestTimeouts() {
                return control.timedOutRequests();
            }
        };
        this.p = p;
        this.filters = filters;
        this.portNames = List.copyOf(p.ports().keySet());
        this.ports = List.copyOf(p.ports().values());
    }

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public String dpdkVersion() {
        return Eal.version();
    }

    @Override
    public List<String> portNames() {
        return portNames;
    }

    @Override
    public long port(int port, PortCounter counter) {
        return counter.of(ports.get(port).stats());
    }

    @Override
    public CounterRegistry counters() {
        return p.counters();
    }

    @Override
    public int maxEntries() {
        return p.map().maxEntries();
    }

    @Override
    public long ringUsed(int cpu) {
        return p.ringUsed(cpu);
    }

    @Override
    public long ringCapacity(int cpu) {
        return p.ringCapacity(cpu);
    }

    @Override
    public int cpumapEntries() {
        return p.map().entries().size();
    }

    @Override
    public long mempoolSize() {
        return p.mempool().size();
    }

    @Override
    public long mempoolInUse() {
        return p.mempool().inUse();
    }

    @Override
    public long filterSwaps() {
        return filters.swaps();
    }

    @Override
    public ControlCounters control() {
        return control;
    }

    @Override
    public long retirementsPending() {
        return p.map().retirementsPending();
    }

    @Override
    public long ringsDeferred() {
        return p.map().ringsDeferred();
    }

    @Override
    public long retirementsStuck() {
        return p.stuckRetirements().size();
    }
}
