package io.cpumapd.filter;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/** {@code no-touch}: every packet to the first target without reading it (the pipeline's floor cost). */
final class NoTouchFilter implements PacketFilter {
    private final TargetSet targets;
    /** The set as of the last {@link #beginBurst()} (the constructor's before the first). */
    private int[] keys;

    NoTouchFilter(TargetSet targets) {
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
        return packet.redirect(Targets.pick(keys, 0));
    }

    @Override
    public String name() {
        return "no-touch";
    }
}
