package io.cpumapd.counters;

import java.util.List;

/** Packets the hot threads sent out DPDK ports (TX and redirect to a port): one row for all threads. */
public enum PortTxCounter implements CounterDescriptor {
    SENT("sent", "packets", "Packets the drivers took"),
    DROPS("drops", "packets", "Packets the drivers refused, freed");

    private final String label;
    private final String unit;
    private final String help;

    PortTxCounter(String label, String unit, String help) {
        this.label = label;
        this.unit = unit;
        this.help = help;
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
        return List.of();
    }
}
