package io.cpumapd.counters;

import java.util.List;

/**
 * The producer side of each target cpu, one row per cpumap key: the {@code xdp_cpumap_enqueue}
 * tracepoint. Each producer's block has a row for every key.
 */
public enum EnqueueCounter implements CounterDescriptor {
    ENQUEUED("enqueued", "packets", "Packets put into the cpu's ring",
            Export.of("cpumapd.enqueue.packets", "Packets the RX workers put into the cpu's ring")),
    DROPS("drops", "packets", "Packets dropped because the cpu's ring was full",
            Export.of("cpumapd.enqueue.drops", "Packets dropped because the cpu's ring was full")),
    BULK_CALLS("bulk_calls", "calls", "Bulk enqueue calls to the cpu's ring",
            Export.of("cpumapd.enqueue.bulk.calls", "Bulk enqueue calls to the cpu's ring"));

    private final String label;
    private final String unit;
    private final String help;
    private final List<Export> exports;

    EnqueueCounter(String label, String unit, String help, Export... exports) {
        this.label = label;
        this.unit = unit;
        this.help = help;
        this.exports = List.of(exports);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public String help() {
        return help;
    }

    @Override
    public List<Export> exports() {
        return exports;
    }
}
