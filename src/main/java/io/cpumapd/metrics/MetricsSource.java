package io.cpumapd.metrics;

import io.cpumapd.counters.CounterRegistry;
import java.util.List;

/**
 * What {@link CpumapdMeters} reads at scrape time: the pipeline's counter registry (every
 * per-thread counter set, exported by iterating its descriptors), the port statistics, and a few
 * gauges. Every getter is called from a metrics HTTP thread, never from a hot thread, and must not
 * block for long (no lock a hot thread takes; a control-path lock is fine). Counters must be the
 * daemon-lifetime totals (the registry folds retired threads' blocks in); {@link CpumapdMeters}
 * still clamps them so that an exported counter never goes backwards.
 */
public interface MetricsSource {
    /** The daemon's version, for {@code cpumapd_build_info}. */
    String version();

    /** {@code rte_version()}, for {@code cpumapd_build_info}. */
    String dpdkVersion();

    /** The configured ports' names, the {@code port} label; index 0 .. size - 1 for {@link #port}. */
    List<String> portNames();

    long port(int port, PortCounter counter);

    /** Every counter set with its rows' labels; the set of rows is fixed at start. */
    CounterRegistry counters();

    /** cpumap keys 0 .. maxEntries() - 1, each with or without a live entry. */
    int maxEntries();

    /** Packets in the ring of the cpu's live entry; 0 without a live entry. */
    long ringUsed(int cpu);

    /** The ring size of the cpu's live entry (its qsize); 0 without a live entry. */
    long ringCapacity(int cpu);

    /** Live cpumap entries. */
    int cpumapEntries();

    long mempoolSize();

    long mempoolInUse();

    /** Filter replacements since start. */
    long filterSwaps();

    /** The control socket's counters, or null when the source has no control socket (nothing exported then). */
    default ControlCounters control() {
        return null;
    }

    /** Replaced or deleted cpumap entries still draining (their consumers not ended yet). */
    default long retirementsPending() {
        return 0;
    }

    /** Of those, the ones whose consumer did not end within the stall time (stuck: a program that never returns). */
    default long retirementsStuck() {
        return 0;
    }

    /** Rings of retired entries kept until a stuck thread passes a quiescent point. */
    default long ringsDeferred() {
        return 0;
    }

    /** What {@code status -j} shows under "control", read at scrape time. */
    interface ControlCounters {
        long connections();

        long refusedBusy();

        long evictedIdle();

        long requestTimeouts();
    }
}
