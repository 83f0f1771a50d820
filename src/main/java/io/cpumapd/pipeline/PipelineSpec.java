package io.cpumapd.pipeline;

import io.cpumapd.tap.TapOptions;
import java.util.List;

/**
 * What a {@link Pipeline} is made of, already validated (the daemon's config, a benchmark's options
 * or a test's wishes map onto it).
 *
 * @param idle the consumers' idle strategy, and the RX workers' unless they have their own
 * @param tap null: PASS is counted and freed instead of reaching a TAP
 */
public record PipelineSpec(String poolName, int mbufs, int mempoolCache, int dataRoom, List<PortSpec> ports,
        List<WorkerSpec> workers, int maxEntries, int batch, String idle, TapOptions tap) {

    public PipelineSpec {
        ports = List.copyOf(ports);
        workers = List.copyOf(workers);
    }

    /** @param device a DPDK device name ({@code net_pcap0}, a PCI address) already known to the EAL */
    public record PortSpec(String name, String device, int rxQueues, int rxDescriptors, int txDescriptors,
            boolean promiscuous) {
    }

    public record QueueRef(String port, int queue) {
    }

    /**
     * @param skbMode build SkBuffs on the RX core and send tagged handles (the kernel's generic XDP)
     * @param idle    the worker's idle strategy; null: the consumers' ({@link PipelineSpec#idle()})
     */
    public record WorkerSpec(String name, int cpu, List<QueueRef> queues, boolean skbMode, String idle) {
        public WorkerSpec {
            queues = List.copyOf(queues);
        }

        /** Idles as the consumers do. */
        public WorkerSpec(String name, int cpu, List<QueueRef> queues, boolean skbMode) {
            this(name, cpu, queues, skbMode, null);
        }
    }

    /** The idle strategy of worker {@code w}. */
    public String rxIdle(WorkerSpec w) {
        return w.idle() != null ? w.idle() : idle;
    }
}
