package io.cpumapd.metrics;

import io.cpumapd.tap.InjectError;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.RxCounter;
import java.util.List;

/**
 * What {@link CpumapdMeters} reads at scrape time: the daemon's counters, keyed by small indices
 * fixed at start. Every getter is called from a metrics HTTP thread, never from a hot thread, and
 * must not block for long (no lock a hot thread takes; a control-path lock is fine).
 *
 * <p>The shape (sets of names, then primitive getters by index) follows what the daemon already
 * holds: worker and consumer {@code Counters}, the {@code Redirector}s' per-target blocks, the
 * injectors' {@code InjectorCounters}, {@code Port.stats()}. Counters must be the daemon-lifetime
 * totals (summed over replaced cpumap entries, as the control protocol's {@code stats} reply);
 * {@link CpumapdMeters} still clamps them so that an exported counter never goes backwards.
 */
public interface MetricsSource {
    /** The daemon's version, for {@code cpumapd_build_info}. */
    String version();

    /** {@code rte_version()}, for {@code cpumapd_build_info}. */
    String dpdkVersion();

    // --- ports: index 0 .. portNames().size() - 1

    /** The configured ports' names, the {@code port} label. */
    List<String> portNames();

    long port(int port, PortCounter counter);

    // --- RX workers: index 0 .. workerNames().size() - 1

    /** The RX workers' names ({@code rx0}, ...), the {@code worker} label. */
    List<String> workerNames();

    /** The cpu the worker is pinned to, its {@code cpu} label. */
    int workerCpu(int worker);

    long rx(int worker, RxCounter counter);

    // --- cpumap keys: cpu 0 .. maxEntries() - 1, each with or without a live entry

    int maxEntries();

    /**
     * The enqueue counters of a target cpu, summed over all RX workers: {@code which} is
     * {@code Redirector.ENQUEUED}, {@code Redirector.DROPS} or {@code Redirector.BULK_CALLS}.
     */
    long enqueue(int cpu, int which);

    /** Packets in the ring of the cpu's live entry; 0 without a live entry. */
    long ringUsed(int cpu);

    /** The ring size of the cpu's live entry (its qsize); 0 without a live entry. */
    long ringCapacity(int cpu);

    long consumer(int cpu, ConsumerCounter counter);

    long consumerDrops(int cpu, ConsumerDropReason reason);

    /** Nanoseconds the cpu's consumers spent working ({@code busy}) or idling since start. */
    long consumerTimeNs(int cpu, boolean busy);

    /** Live cpumap entries. */
    int cpumapEntries();

    // --- TAP queues: index 0 .. tapQueues() - 1

    int tapQueues();

    long tapPackets(int queue);

    long tapBytes(int queue);

    long tapErrors(int queue, InjectError kind);

    // --- everything else

    long mempoolSize();

    long mempoolInUse();

    /** Filter replacements since start. */
    long filterSwaps();
}
