package io.cpumapd.counters;

/** Packets the hot threads sent out DPDK ports (TX and redirect to a port): one row for all threads. */
public enum PortTxCounter implements CounterDescriptor {
    SENT(Info.of("sent", "packets", "Packets the drivers took")),
    DROPS(Info.of("drops", "packets", "Packets the drivers refused, freed"));

    private final Info info;

    PortTxCounter(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
