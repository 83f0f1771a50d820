package io.cpumapd.filter;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/** {@code no-touch}: every packet to the first target without reading it (the pipeline's floor cost). */
final class NoTouchFilter implements PacketFilter {
    private final TargetSet targets;

    NoTouchFilter(TargetSet targets) {
        this.targets = targets;
    }

    @Override
    public Verdict filter(Packet packet) {
        return packet.redirect(Targets.pick(targets.keys(), 0));
    }

    @Override
    public String name() {
        return "no-touch";
    }
}
