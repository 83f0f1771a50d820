package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pcap.FrameBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class L4HashTest {
    private static final FilterHarness HARNESS = new FilterHarness();
    private static final TargetSet TARGETS = TargetSet.of(0, 1, 2, 3, 4, 5, 6, 7);

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    private static byte[] frame(Random rnd, byte[] a, byte[] b, int protocol, int sport, int dport) {
        FrameBuilder f = FrameBuilder.ethernet().ip(a, b);
        if (rnd.nextInt(4) == 0) {
            f.vlan(1 + rnd.nextInt(4000));
        }
        return switch (protocol) {
            case 6 -> f.tcp(sport, dport).build();
            case 17 -> f.udp(sport, dport).build();
            default -> f.icmpEcho(sport, dport).build();
        };
    }

    private void bothDirectionsLandTogether(int addressBytes) {
        PacketFilter f = Filters.create("l4-hash", Map.of(), TARGETS);
        Random rnd = new Random(addressBytes);
        int[] perTarget = new int[8];
        int flows = 4000;
        for (int i = 0; i < flows; i++) {
            byte[] a = new byte[addressBytes], b = new byte[addressBytes];
            rnd.nextBytes(a);
            rnd.nextBytes(b);
            int protocol = new int[] {6, 17, 1}[rnd.nextInt(3)];
            int sport = rnd.nextInt(65536), dport = rnd.nextInt(65536);
            int forward = HARNESS.run(f, frame(rnd, a, b, protocol, sport, dport)).cpumapKey();
            int reverse = HARNESS.run(f, frame(rnd, b, a, protocol, dport, sport)).cpumapKey();
            assertThat(reverse).as("flow %d", i).isEqualTo(forward);
            perTarget[forward]++;
        }
        // Spread, loosely: every target gets at least half its fair share.
        for (int count : perTarget) {
            assertThat(count).isGreaterThan(flows / 8 / 2);
        }
    }

    @Test
    void symmetricOverRandomIpv4Flows() {
        bothDirectionsLandTogether(4);
    }

    @Test
    void symmetricOverRandomIpv6Flows() {
        bothDirectionsLandTogether(16);
    }

    @Test
    void fragmentsOfAPacketLandWithItsFirstFragment() {
        PacketFilter f = Filters.create("l4-hash", Map.of(), TARGETS);
        for (int i = 0; i < 50; i++) {
            String src = "198.18.1." + i;
            int first = HARNESS.run(f, FrameBuilder.ethernet().ipv4(src, "198.19.0.1").fragment(0, true)
                    .udp(1000 + i, 53).payload(new byte[24]).build()).cpumapKey();
            int later = HARNESS.run(f, FrameBuilder.ethernet().ipv4(src, "198.19.0.1").fragment(32, false)
                    .udp(1000 + i, 53).payload(new byte[24]).build()).cpumapKey();
            assertThat(later).isEqualTo(first);
        }
    }

    @Test
    void protocolSeedsTheHash() {
        PacketFilter f = Filters.create("l4-hash", Map.of(), TargetSet.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
        int differing = 0;
        for (int i = 0; i < 64; i++) {
            String src = "198.18.2." + i;
            int tcp = HARNESS.run(f, FrameBuilder.ethernet().ipv4(src, "198.19.0.1").tcp(1, 2).build()).cpumapKey();
            int udp = HARNESS.run(f, FrameBuilder.ethernet().ipv4(src, "198.19.0.1").udp(1, 2).build()).cpumapKey();
            differing += tcp != udp ? 1 : 0;
        }
        assertThat(differing).isGreaterThan(32);
    }
}
