package com.example.dnsguard;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.filter.CountedFilter;
import io.cpumapd.filter.FlowHash;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

import java.util.List;

/**
 * The filter one RX worker runs. Everything it needs per packet is allocated here, once: the header
 * parser and the counters. {@code filter()} allocates nothing and never throws.
 */
final class DnsGuardFilter implements PacketFilter, CountedFilter {
    private static final int DROPPED = 0;

    private final int blockedPort;
    private final TargetSet targets;
    private final Headers headers = new Headers();
    private final CounterBlock counters = new CounterBlock(1);

    DnsGuardFilter(int blockedPort, TargetSet targets) {
        this.blockedPort = blockedPort;
        this.targets = targets;
    }

    @Override
    public Verdict filter(Packet packet) {
        if (!headers.parse(packet.dataAddress(), packet.length())) {
            return Verdict.DROP; // not even an Ethernet header
        }
        int protocol = headers.l4Protocol();
        if (headers.l4Valid() && headers.dstPort() == blockedPort
                && (protocol == Headers.IPPROTO_UDP || protocol == Headers.IPPROTO_TCP)) {
            counters.increment(DROPPED);
            return Verdict.DROP;
        }
        int[] keys = targets.keys(); // once per packet: the daemon may replace the set at any time
        if (keys.length == 0) {
            return packet.redirect(0); // no entry: the pipeline turns this into ABORTED
        }
        return packet.redirect(keys[FlowHash.index(FlowHash.symmetricPair(headers), keys.length)]);
    }

    @Override
    public String name() {
        return "dns-guard";
    }

    @Override
    public List<String> counterNames() {
        return List.of("dropped_dns");
    }

    @Override
    public long counter(int index) {
        return counters.get(index);
    }
}
