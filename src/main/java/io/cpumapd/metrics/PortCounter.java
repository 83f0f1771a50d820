package io.cpumapd.metrics;

import io.cpumapd.dpdk.PortStats;
import java.util.function.ToLongFunction;

/** The port counters exported per port: the {@code struct rte_eth_stats} totals, under their metric names. */
public enum PortCounter {
    RX_PACKETS("rx.packets", "Packets received by the port", PortStats::rxPackets),
    RX_BYTES("rx.bytes", "Bytes received by the port", PortStats::rxBytes),
    RX_MISSED("rx.missed", "Packets the port dropped because no RX descriptor was free (imissed)",
            PortStats::rxMissed),
    RX_NOMBUF("rx.nombuf", "RX mbuf allocation failures (rx_nombuf)", PortStats::rxNoMbuf),
    RX_ERRORS("rx.errors", "Erroneous packets received (ierrors)", PortStats::rxErrors),
    TX_PACKETS("tx.packets", "Packets sent by the port", PortStats::txPackets),
    TX_BYTES("tx.bytes", "Bytes sent by the port", PortStats::txBytes),
    TX_ERRORS("tx.errors", "Failed transmissions (oerrors)", PortStats::txErrors);

    public static final PortCounter[] ALL = values();
    private final String suffix;
    private final String description;
    private final ToLongFunction<PortStats> field;

    PortCounter(String suffix, String description, ToLongFunction<PortStats> field) {
        this.suffix = suffix;
        this.description = description;
        this.field = field;
    }

    /** This counter's value in one stats snapshot: lets a {@link MetricsSource} answer from {@code Port.stats()}. */
    public long of(PortStats stats) {
        return field.applyAsLong(stats);
    }

    String meterName() {
        return "cpumapd.port." + suffix;
    }

    String description() {
        return description;
    }
}
