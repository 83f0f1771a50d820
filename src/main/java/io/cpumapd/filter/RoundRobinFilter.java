package io.cpumapd.filter;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/** {@code round-robin}: each packet to the next target in turn, without reading it. */
final class RoundRobinFilter implements PacketFilter {
    private final TargetSet targets;
    /** The set as of the last {@link #beginBurst()} (the constructor's before the first). */
    private int[] keys;
    /** Plain field: one instance per RX worker, as the kernel sample keeps a per-CPU counter. */
    private int cursor;

    RoundRobinFilter(TargetSet targets) {
        this.targets = targets;
        this.keys = targets.keys();
    }

    /** Once per burst: the target set every packet of the burst uses (one volatile read, not one per packet). */
    @Override
    public void beginBurst() {
        keys = targets.keys();
    }

    @Override
    public Verdict filter(Packet packet) {
        int[] keys = this.keys;
        int i = cursor < keys.length ? cursor : 0; // the set may have shrunk since the last packet
        cursor = i + 1;
        return packet.redirect(Targets.pick(keys, i));
    }

    @Override
    public String name() {
        return "round-robin";
    }
}
