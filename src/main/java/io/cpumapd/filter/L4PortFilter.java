package io.cpumapd.filter;

import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/**
 * {@code l4-sport} / {@code l4-dport}: the TCP, UDP or SCTP source (destination) port modulo the
 * target count. Packets without a port (non-IP, ICMP, later fragments, truncated) go to the first
 * target; a frame too short for its Ethernet header is PASSed.
 */
final class L4PortFilter implements PacketFilter {
    private final TargetSet targets;
    /** The set as of the last {@link #beginBurst()} (the constructor's before the first). */
    private int[] keys;
    private final boolean source;
    private final Headers headers = new Headers();

    L4PortFilter(TargetSet targets, boolean source) {
        this.targets = targets;
        this.keys = targets.keys();
        this.source = source;
    }

    /** Once per burst: the target set every packet of the burst uses (one volatile read, not one per packet). */
    @Override
    public void beginBurst() {
        keys = targets.keys();
    }

    @Override
    public Verdict filter(Packet packet) {
        if (!headers.parse(packet.dataAddress(), packet.headLength())) {
            return Verdict.PASS;
        }
        int port = source ? headers.srcPort() : headers.dstPort();
        return packet.redirect(Targets.pick(keys, Math.max(port, 0)));
    }

    @Override
    public String name() {
        return source ? "l4-sport" : "l4-dport";
    }
}
