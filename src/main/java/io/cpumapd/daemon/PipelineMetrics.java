package io.cpumapd.daemon;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Port;
import io.cpumapd.metrics.ConsumerDropReason;
import io.cpumapd.metrics.MetricsSource;
import io.cpumapd.metrics.PortCounter;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.tap.InjectError;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.RxCounter;
import java.util.List;

/** The pipeline's counters as the metrics binding reads them at scrape time (never on a hot thread). */
final class PipelineMetrics implements MetricsSource {
    private final Pipeline p;
    private final FilterState filters;
    private final List<String> portNames;
    private final List<Port> ports;
    private final List<String> workerNames;

    PipelineMetrics(Pipeline p, FilterState filters) {
        this.p = p;
        this.filters = filters;
        this.portNames = List.copyOf(p.ports().keySet());
        this.ports = List.copyOf(p.ports().values());
        this.workerNames = p.spec().workers().stream().map(w -> w.name()).toList();
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
    public List<String> workerNames() {
        return workerNames;
    }

    @Override
    public int workerCpu(int worker) {
        return p.workers().get(worker).cpu();
    }

    @Override
    public long rx(int worker, RxCounter counter) {
        return p.rx(worker, counter);
    }

    @Override
    public int maxEntries() {
        return p.map().maxEntries();
    }

    @Override
    public long enqueue(int cpu, int which) {
        return p.target(cpu, which);
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
    public long consumer(int cpu, ConsumerCounter counter) {
        return p.consumer(cpu, counter);
    }

    @Override
    public long consumerDrops(int cpu, ConsumerDropReason reason) {
        long tooShort = p.consumerTooShort(cpu);
        return switch (reason) {
            case TOO_SHORT -> tooShort;
            case INJECT -> Math.max(0, p.consumer(cpu, ConsumerCounter.DROPS) - tooShort);
            case PROGRAM -> p.consumer(cpu, ConsumerCounter.DROP);
        };
    }

    @Override
    public long consumerTimeNs(int cpu, boolean busy) {
        return p.consumer(cpu, busy ? ConsumerCounter.BUSY_NS : ConsumerCounter.IDLE_NS);
    }

    @Override
    public int cpumapEntries() {
        return p.map().entries().size();
    }

    @Override
    public int tapQueues() {
        return p.tapQueues();
    }

    @Override
    public long tapPackets(int queue) {
        return p.tapPackets(queue);
    }

    @Override
    public long tapBytes(int queue) {
        return p.tapBytes(queue);
    }

    @Override
    public long tapErrors(int queue, InjectError kind) {
        return p.tapErrors(queue, kind);
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
}
