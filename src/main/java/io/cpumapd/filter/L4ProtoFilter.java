package io.cpumapd.filter;

import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/**
 * {@code l4-proto} and {@code l4-filter}: ICMP / ICMPv6 to one target, UDP to another, TCP and
 * everything else (non-IP, truncated IP) to a third. Keys given as parameters are fixed; missing ones
 * index the live target set as the kernel sample does (TCP 0, UDP 1, ICMP 2, wrapping).
 * {@code l4-filter} also drops UDP to one destination port (a later fragment has no port: kept).
 * A frame too short for its Ethernet header is PASSed, as the sample does with what it cannot parse.
 */
final class L4ProtoFilter implements PacketFilter {
    static final int NO_PORT = -1;
    private static final int TCP_INDEX = 0;
    private static final int UDP_INDEX = 1;
    private static final int ICMP_INDEX = 2;

    private final String name;
    private final TargetSet targets;
    /** The set as of the last {@link #beginBurst()} (the constructor's before the first). */
    private int[] keys;
    private final int tcpKey;
    private final int udpKey;
    private final int icmpKey;
    private final int dropUdpPort;
    private final Headers headers = new Headers();

    /** Keys of -1 come from the target set. */
    L4ProtoFilter(String name, TargetSet targets, int tcpKey, int udpKey, int icmpKey, int dropUdpPort) {
        this.name = name;
        this.targets = targets;
        this.keys = targets.keys();
        this.tcpKey = tcpKey;
        this.udpKey = udpKey;
        this.icmpKey = icmpKey;
        this.dropUdpPort = dropUdpPort;
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
        int protocol = headers.l4Protocol();
        if (protocol == Headers.IPPROTO_UDP) {
            if (dropUdpPort != NO_PORT && headers.l4Valid() && headers.dstPort() == dropUdpPort) {
                return Verdict.DROP;
            }
            return packet.redirect(key(udpKey, UDP_INDEX));
        }
        if (protocol == Headers.IPPROTO_ICMP || protocol == Headers.IPPROTO_ICMPV6) {
            return packet.redirect(key(icmpKey, ICMP_INDEX));
        }
        return packet.redirect(key(tcpKey, TCP_INDEX));
    }

    private int key(int fixed, int index) {
        return fixed >= 0 ? fixed : Targets.pick(keys, index);
    }

    @Override
    public String name() {
        return name;
    }
}
