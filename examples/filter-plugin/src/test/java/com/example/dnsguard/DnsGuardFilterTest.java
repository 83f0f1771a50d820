package com.example.dnsguard;

import io.cpumapd.filter.CountedFilter;
import io.cpumapd.filter.FilterException;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.FrameBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the plugin on crafted frames with cpumapd's FilterHarness: no DPDK EAL, no NIC. */
class DnsGuardFilterTest {
    private final FilterHarness harness = new FilterHarness();
    private final TargetSet targets = TargetSet.of(2, 3);

    @AfterEach
    void close() {
        harness.close();
    }

    private PacketFilter filter(Map<String, String> params) {
        return new DnsGuardProvider().create(params, targets);
    }

    @Test
    void dropsDnsToTheBlockedPort() {
        PacketFilter f = filter(Map.of());
        byte[] udpDns = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.53").udp(40000, 53).build();
        byte[] tcpDns = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::53").tcp(40000, 53).build();
        assertThat(harness.run(f, udpDns).verdict()).isEqualTo(Verdict.DROP);
        assertThat(harness.run(f, tcpDns).verdict()).isEqualTo(Verdict.DROP);
        assertThat(((CountedFilter) f).counter(0)).isEqualTo(2);
    }

    @Test
    void spreadsTheRestSymmetrically() {
        PacketFilter f = filter(Map.of("port", "5353"));
        byte[] there = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.53").udp(40000, 53).build();
        byte[] back = FrameBuilder.ethernet().ipv4("198.18.0.53", "198.18.0.1").udp(53, 40000).build();
        FilterResult r = harness.run(f, there);
        assertThat(r.verdict()).isEqualTo(Verdict.REDIRECT);
        assertThat(r.cpumapKey()).isIn(2, 3);
        assertThat(harness.run(f, back).cpumapKey()).isEqualTo(r.cpumapKey());
    }

    @Test
    void neverThrowsOnTruncatedFrames() {
        PacketFilter f = filter(Map.of());
        byte[] frame = FrameBuilder.ethernet().vlan(5).ipv4("198.18.0.1", "198.18.0.53").udp(40000, 53).build();
        for (int len = 0; len <= frame.length; len++) {
            assertThat(harness.run(f, FrameBuilder.truncate(frame, len)).thrown()).isNull();
        }
    }

    @Test
    void rejectsBadParameters() {
        assertThatThrownBy(() -> filter(Map.of("prot", "53"))).isInstanceOf(FilterException.class)
                .hasMessageContaining("unknown parameter 'prot'");
        assertThatThrownBy(() -> filter(Map.of("port", "dns"))).isInstanceOf(FilterException.class)
                .hasMessageContaining("not a number");
    }
}
