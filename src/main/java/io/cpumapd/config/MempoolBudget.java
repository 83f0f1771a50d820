package io.cpumapd.config;

/**
 * The mbufs a configuration can hold at once, all of which the mempool must back or RX runs dry
 * for good: every hot thread's per-lcore cache (DPDK lets one grow to 1.5 x {@code cache} before it
 * flushes), every RX descriptor (filled at port start and refilled on every receive), every ring
 * slot of the live entries (a slow consumer lets its ring fill), and one burst per RX worker in
 * flight. TX descriptors are left out: they hold only frames sent out a port, which the drivers
 * give back as their rings wrap.
 */
public record MempoolBudget(long caches, long rxDescriptors, long rings, long inFlight) {
    /** RX worker burst ({@code RxWorker.BURST}); config sits below the worker package, so the figure is repeated. */
    static final int RX_BURST = 32;

    /** The budget of {@code config} with ring slots {@code rings} (the entries' qsizes summed). */
    public static MempoolBudget of(Config config, long rings) {
        long hotThreads = config.rxWorkers().size() + (long) config.cpumap().maxEntries();
        long caches = hotThreads * (config.mempool().cache() * 3L / 2);
        long rx = 0;
        for (PortConfig p : config.ports()) {
            rx += (long) p.rxQueues() * p.rxDescriptors();
        }
        return new MempoolBudget(caches, rx, rings, (long) config.rxWorkers().size() * RX_BURST);
    }

    /** The budget of the entries {@code config} creates at start. */
    public static MempoolBudget atStart(Config config) {
        return of(config, config.cpumap().entries().stream().mapToLong(CpuMapEntryConfig::qsize).sum());
    }

    public long total() {
        return caches + rxDescriptors + rings + inFlight;
    }

    public boolean fits(int mbufs) {
        return total() <= mbufs;
    }

    /** What the mbufs go to, for an error message. */
    public String explain() {
        return total() + " needed: per-lcore caches " + caches + " + RX descriptors " + rxDescriptors
                + " + ring slots " + rings + " + RX bursts " + inFlight;
    }
}
