package io.cpumapd.counters;

/**
 * The producer side of each target cpu, one row per cpumap key: the {@code xdp_cpumap_enqueue}
 * tracepoint. Each producer's block has a row for every key.
 */
public enum EnqueueCounter implements CounterDescriptor {
    ENQUEUED(Info.of("enqueued", "packets", "Packets put into the cpu's ring",
            Export.of("cpumapd.enqueue.packets", "Packets the RX workers put into the cpu's ring"))),
    DROPS(Info.of("drops", "packets", "Packets dropped because the cpu's ring was full",
            Export.of("cpumapd.enqueue.drops", "Packets dropped because the cpu's ring was full"))),
    BULK_CALLS(Info.of("bulk_calls", "calls", "Bulk enqueue calls to the cpu's ring",
            Export.of("cpumapd.enqueue.bulk.calls", "Bulk enqueue calls to the cpu's ring")));

    private final Info info;

    EnqueueCounter(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
