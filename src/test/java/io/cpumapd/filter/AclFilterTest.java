package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.FrameBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AclFilterTest {
    private static final FilterHarness HARNESS = new FilterHarness();
    private static final TargetSet TARGETS = TargetSet.of(1, 2, 3);

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    private static PacketFilter acl(String... rules) {
        return acl(Map.of(), rules);
    }

    private static PacketFilter acl(Map<String, String> extra, String... rules) {
        Map<String, String> params = new HashMap<>(extra);
        for (int i = 0; i < rules.length; i++) {
            params.put("rule." + (i + 1), rules[i]);
        }
        return Filters.create("acl", params, TARGETS);
    }

    private static String outcome(FilterResult r) {
        return r.verdict() == Verdict.REDIRECT ? "redirect:" + r.targetKey() : r.verdict().name().toLowerCase();
    }

    private static String udp4(PacketFilter f, String src, String dst, int sport, int dport) {
        return outcome(HARNESS.run(f, FrameBuilder.ethernet().ipv4(src, dst).udp(sport, dport).build()));
    }

    @Test
    void firstMatchWinsInRuleOrder() {
        PacketFilter f = acl("redirect:2 src=198.18.0.0/24", "drop src=198.18.0.7", "drop src=198.18.0.0/15");
        assertThat(udp4(f, "198.18.0.7", "198.19.0.1", 1, 2)).isEqualTo("redirect:2");
        assertThat(udp4(f, "198.18.1.7", "198.19.0.1", 1, 2)).isEqualTo("drop");
        assertThat(udp4(f, "10.0.0.1", "198.19.0.1", 1, 2)).isEqualTo("pass"); // default
        PacketFilter reordered = acl("drop src=198.18.0.7", "redirect:2 src=198.18.0.0/24");
        assertThat(udp4(reordered, "198.18.0.7", "198.19.0.1", 1, 2)).isEqualTo("drop");
        assertThat(udp4(reordered, "198.18.0.8", "198.19.0.1", 1, 2)).isEqualTo("redirect:2");
    }

    /** Source prefixes only: IPv4 goes through the /16 direct table, whose slot edges are checked here. */
    @Test
    void blocklistAnsweredFromTheDirectTableAtSlotEdges() {
        PacketFilter f = acl("drop src=198.18.128.0/17", "redirect:2 src=198.18.0.0/16", "redirect:3 src=198.16.0.0/14",
                "pass src=203.0.113.0/24");
        assertThat(((AclFilter) f).answersIpv4Directly()).isTrue();
        // 198.18/16 holds two ranges: not answered directly, the search decides.
        assertThat(udp4(f, "198.18.127.255", "198.19.0.1", 1, 2)).isEqualTo("redirect:2");
        assertThat(udp4(f, "198.18.128.0", "198.19.0.1", 1, 2)).isEqualTo("drop");
        assertThat(udp4(f, "198.18.255.255", "198.19.0.1", 1, 2)).isEqualTo("drop");
        // 198.17/16 and 198.19/16 are covered whole by the /14, a range that starts in another slot.
        assertThat(udp4(f, "198.17.0.0", "198.19.0.1", 1, 2)).isEqualTo("redirect:3");
        assertThat(udp4(f, "198.19.255.255", "198.19.0.1", 1, 2)).isEqualTo("redirect:3");
        assertThat(udp4(f, "198.16.0.0", "198.19.0.1", 1, 2)).isEqualTo("redirect:3");
        // Outside every prefix, in a slot with no prefix and in one with a /24 inside it.
        assertThat(udp4(f, "198.20.0.0", "198.19.0.1", 1, 2)).isEqualTo("pass");
        assertThat(udp4(f, "198.15.255.255", "198.19.0.1", 1, 2)).isEqualTo("pass");
        assertThat(udp4(f, "203.0.112.255", "198.19.0.1", 1, 2)).isEqualTo("pass");
        assertThat(udp4(f, "203.0.113.9", "198.19.0.1", 1, 2)).isEqualTo("pass");
        PacketFilter withDefault = acl(Map.of("default", "redirect:1"), "drop src=198.18.0.0/16");
        assertThat(udp4(withDefault, "198.19.0.1", "198.19.0.1", 1, 2)).isEqualTo("redirect:1");
        assertThat(udp4(withDefault, "198.18.9.9", "198.19.0.1", 1, 2)).isEqualTo("drop");
        // The frame's form does not change the answer: a VLAN tag (the full parse), IP options, a later
        // fragment; a frame cut inside its IPv4 header, or whose version is not 4, has no IPv4 address.
        PacketFilter g = acl(Map.of("default", "redirect:1"), "drop src=198.18.0.0/16");
        FrameBuilder listed = FrameBuilder.ethernet().ipv4("198.18.1.1", "198.19.0.1");
        assertThat(outcome(HARNESS.run(g, FrameBuilder.ethernet().vlan(7).ipv4("198.18.1.1", "198.19.0.1")
                .udp(1, 2).build()))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(g, FrameBuilder.ethernet().ipv4("198.18.1.1", "198.19.0.1")
                .ipOptions(new byte[4]).udp(1, 2).build()))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(g, FrameBuilder.ethernet().ipv4("198.18.1.1", "198.19.0.1")
                .fragment(8, false).udp(1, 2).build()))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(g, listed.udp(1, 2).buildTruncated(34)))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(g, FrameBuilder.ethernet().ipv4("198.18.1.1", "198.19.0.1").udp(1, 2)
                .buildTruncated(33)))).isEqualTo("redirect:1");
        byte[] notVersion4 = FrameBuilder.ethernet().ipv4("198.18.1.1", "198.19.0.1").udp(1, 2).build();
        notVersion4[14] = 0x65;
        assertThat(outcome(HARNESS.run(g, notVersion4))).isEqualTo("redirect:1");
        // A destination-only blocklist is answered by destination.
        PacketFilter byDst = acl(Map.of("default", "redirect:1"), "drop dst=198.19.0.0/16");
        assertThat(((AclFilter) byDst).answersIpv4Directly()).isTrue();
        assertThat(udp4(byDst, "198.18.1.1", "198.19.2.2", 1, 2)).isEqualTo("drop");
        assertThat(udp4(byDst, "198.19.2.2", "198.18.1.1", 1, 2)).isEqualTo("redirect:1");
        // Any cpu fits the direct table; more distinct answers than its byte indexes do not, and
        // then the search gives the same answers.
        PacketFilter farCpu = acl(Map.of("default", "redirect:1"), "redirect:40000 src=198.18.0.0/16");
        assertThat(((AclFilter) farCpu).answersIpv4Directly()).isTrue();
        assertThat(udp4(farCpu, "198.18.9.9", "198.19.0.1", 1, 2)).isEqualTo("redirect:40000");
        assertThat(udp4(farCpu, "198.17.9.9", "198.19.0.1", 1, 2)).isEqualTo("redirect:1");
        for (int answers : new int[] {254, 255}) { // 254 cpus and the default fill the byte; one more does not
            String[] perCpu = new String[answers];
            for (int cpu = 0; cpu < answers; cpu++) {
                perCpu[cpu] = "redirect:" + (cpu + 2) + " src=10." + cpu + ".0.0/16";
            }
            PacketFilter many = acl(Map.of("default", "redirect:1"), perCpu);
            assertThat(((AclFilter) many).answersIpv4Directly()).as("%d answers", answers).isEqualTo(answers == 254);
            assertThat(udp4(many, "10.0.0.1", "198.19.0.1", 1, 2)).isEqualTo("redirect:2");
            assertThat(udp4(many, "10.253.255.255", "198.19.0.1", 1, 2)).isEqualTo("redirect:255");
            assertThat(udp4(many, "10.255.0.1", "198.19.0.1", 1, 2)).isEqualTo("redirect:1");
        }
        // Candidates with conditions beyond the prefix: the parse, then the rules in order.
        PacketFilter ported = acl(Map.of("default", "redirect:1"), "drop src=198.18.0.0/24 dport=53",
                "redirect:2 src=198.18.0.0/16", "pass src=198.20.0.0/16 proto=tcp");
        assertThat(((AclFilter) ported).answersIpv4Directly()).isTrue();
        assertThat(udp4(ported, "198.18.0.5", "198.19.0.1", 1, 53)).isEqualTo("drop");
        assertThat(udp4(ported, "198.18.0.5", "198.19.0.1", 1, 54)).isEqualTo("redirect:2");
        assertThat(udp4(ported, "198.18.1.5", "198.19.0.1", 1, 53)).isEqualTo("redirect:2");
        assertThat(udp4(ported, "198.20.1.5", "198.19.0.1", 1, 53)).isEqualTo("redirect:1");
        assertThat(outcome(HARNESS.run(ported, FrameBuilder.ethernet().ipv4("198.20.1.5", "198.19.0.1").tcp(1, 53)
                .build()))).isEqualTo("pass");
        assertThat(outcome(HARNESS.run(ported, FrameBuilder.ethernet().ipv4("198.18.0.5", "198.19.0.1")
                .fragment(8, false).udp(1, 53).build()))).isEqualTo("redirect:2"); // a later fragment has no port
        assertThat(outcome(HARNESS.run(ported, FrameBuilder.ethernet().vlan(3).ipv4("198.18.0.5", "198.19.0.1")
                .udp(1, 53).build()))).isEqualTo("drop");
        // A rule on another dimension brings back the search: which rule decided matters again.
        assertThat(((AclFilter) acl("drop src=198.18.0.0/16", "pass dst=198.19.0.0/16")).answersIpv4Directly()).isFalse();
        assertThat(((AclFilter) acl("drop src=198.18.0.0/16", "pass proto=tcp")).answersIpv4Directly()).isFalse();
        assertThat(((AclFilter) acl("drop src=198.18.0.0/16 dport=53")).answersIpv4Directly()).isTrue();
    }

    /** Prefixes on both sides, no rule without one: both addresses are looked up first, the earlier rule wins. */
    @Test
    void bothAddressesLookedUpBeforeTheParseAndTheEarlierRuleWins() {
        PacketFilter f = acl(Map.of("default", "redirect:1"), "redirect:3 dst=198.19.0.0/16",
                "redirect:2 src=198.18.0.0/16", "drop dst=198.20.0.0/16", "pass src=198.21.0.0/16 dport=53");
        assertThat(((AclFilter) f).looksUpIpv4ByAddress()).isTrue();
        assertThat(((AclFilter) f).answersIpv4Directly()).isFalse();
        // Each case: source, destination, UDP destination port, expected outcome.
        String[][] cases = {
            {"198.18.1.1", "198.19.1.1", "2", "redirect:3"}, // the destination's rule comes first
            {"198.18.1.1", "198.20.1.1", "2", "redirect:2"}, // the source's rule comes first
            {"198.18.1.1", "10.0.0.1", "2", "redirect:2"},
            {"10.0.0.1", "198.20.1.1", "2", "drop"},
            {"10.0.0.1", "10.0.0.2", "2", "redirect:1"},
            // A candidate with a port: the parse, then both sides in rule order.
            {"198.21.1.1", "198.19.1.1", "53", "redirect:3"},
            {"198.21.1.1", "10.0.0.1", "53", "pass"},
            {"198.21.1.1", "10.0.0.1", "54", "redirect:1"},
            {"198.21.1.1", "198.20.1.1", "53", "drop"},
        };
        for (String[] c : cases) {
            assertThat(udp4(f, c[0], c[1], 1, Integer.parseInt(c[2]))).as(String.join(" ", c)).isEqualTo(c[3]);
        }
        // A rule of ports alone is checked for every packet: no lookup by address first.
        assertThat(((AclFilter) acl("drop src=198.18.0.0/16", "pass dport=53")).looksUpIpv4ByAddress()).isFalse();
    }

    /** Lookup answers code a rule index with a flag at 2^30: a trie refuses an index it could not code. */
    @Test
    void trieRefusesRuleIndexesItsAnswersCannotCode() {
        PrefixTrie.Builder b = new PrefixTrie.Builder(32);
        assertThatThrownBy(() -> b.add(0, 0, 8, PrefixTrie.CHECK)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rule index out of range");
        assertThatThrownBy(() -> b.add(0, 0, 8, -1)).isInstanceOf(IllegalArgumentException.class);
        b.add(0, 0, 8, PrefixTrie.CHECK - 1);
        assertThat(b.size()).isEqualTo(1);
    }

    @Test
    void rulesIndexedOnDifferentDimensionsStillObeyOrder() {
        // Rule 1 lives in the dst trie, rule 2 in the src trie, rule 3 in the unindexed list.
        PacketFilter f = acl("redirect:3 dst=198.19.0.0/16 dport=80", "drop src=198.18.0.0/16", "redirect:1 proto=udp");
        assertThat(udp4(f, "198.18.0.1", "198.19.0.1", 1, 80)).isEqualTo("redirect:3");
        assertThat(udp4(f, "198.18.0.1", "198.19.0.1", 1, 81)).isEqualTo("drop");
        assertThat(udp4(f, "10.1.1.1", "10.2.2.2", 1, 81)).isEqualTo("redirect:1");
    }

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
            "198.18.0.0/15, 198.17.255.255, false", "198.18.0.0/15, 198.18.0.0, true",
            "198.18.0.0/15, 198.19.255.255, true", "198.18.0.0/15, 198.20.0.0, false",
            "0.0.0.0/0, 1.2.3.4, true", "0.0.0.0/0, 2001:db8::1, false",
            "10.1.2.3/32, 10.1.2.3, true", "10.1.2.3/32, 10.1.2.2, false", "10.1.2.3, 10.1.2.3, true",
            "10.1.2.255/24, 10.1.2.0, true", "10.0.0.0/1, 127.255.255.255, true", "10.0.0.0/1, 128.0.0.0, false",
            "10.0.0.0/7, 11.255.0.0, true", "10.0.0.0/7, 12.0.0.0, false", "10.0.0.0/9, 10.127.255.255, true",
            "10.0.0.0/9, 10.128.0.0, false", "2001:db8::/32, 2001:db8:ffff::1, true", "2001:db8::/32, 2001:db9::, false",
            "2001:db8::/64, 2001:db8::ffff:ffff:ffff:ffff, true", "2001:db8::/65, 2001:db8::8000:0:0:0, false",
            "2001:db8::1/128, 2001:db8::1, true", "2001:db8::1/127, 2001:db8::, true", "2001:db8::2/127, 2001:db8::1, false",
            "::/0, 2001:db8::1, true", "::/0, 198.18.0.1, false", "2001:db8::/3, 3fff::, true", "2001:db8::/3, 4000::, false"})
    void cidrEdges(String cidr, String address, boolean matches) throws IOException {
        PacketFilter bySrc = acl("drop src=" + cidr);
        PacketFilter byDst = acl("drop dst=" + cidr);
        byte[] a = InetAddress.ofLiteral(address).getAddress();
        byte[] other = new byte[a.length];
        other[0] = (byte) 0xfe; // outside every prefix above but ::/0 and 0.0.0.0/0
        String expected = matches ? "drop" : "pass";
        assertThat(outcome(HARNESS.run(bySrc, FrameBuilder.ethernet().ip(a, other).udp(1, 2).build()))).isEqualTo(expected);
        assertThat(outcome(HARNESS.run(byDst, FrameBuilder.ethernet().ip(other, a).udp(1, 2).build()))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} port {1} -> {2}")
    @CsvSource({"1024-2047, 1023, pass", "1024-2047, 1024, drop", "1024-2047, 2047, drop", "1024-2047, 2048, pass",
            "0-65535, 0, drop", "0-65535, 65535, drop", "53, 53, drop", "53, 54, pass"})
    void portRangeEdges(String range, int port, String expected) {
        assertThat(udp4(acl("drop dport=" + range), "10.0.0.1", "10.0.0.2", 7, port)).isEqualTo(expected);
        assertThat(udp4(acl("drop sport=" + range), "10.0.0.1", "10.0.0.2", port, 7)).isEqualTo(expected);
    }

    @Test
    void protocolVlanAndFragments() {
        PacketFilter f = acl("redirect:1 vlan=10-19", "redirect:2 proto=icmp", "redirect:3 proto=icmpv6",
                "drop proto=tcp dport=22", "drop proto=47");
        assertThat(outcome(HARNESS.run(f, FrameBuilder.ethernet().vlan(12).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 22).build()))).isEqualTo("redirect:1");
        assertThat(outcome(HARNESS.run(f, FrameBuilder.ethernet().qinq(20, 12).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 22).build()))).isEqualTo("drop"); // outer tag 20
        assertThat(outcome(HARNESS.run(f, FrameBuilder.ethernet().qinq(19, 100).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 22).build()))).isEqualTo("redirect:1");
        assertThat(outcome(HARNESS.run(f, TestFrames.v4().icmpEcho(1, 1).build()))).isEqualTo("redirect:2");
        assertThat(outcome(HARNESS.run(f, TestFrames.v6().icmpEcho(1, 1).build()))).isEqualTo("redirect:3");
        assertThat(outcome(HARNESS.run(f, TestFrames.v4().rawProtocol(47).payload(new byte[8]).build()))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(f, TestFrames.v6().hopByHop().tcp(1, 22).build()))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(f, TestFrames.v4().fragment(0, true).tcp(1, 22).payload(new byte[16]).build()))).isEqualTo("drop");
        // A later fragment has no ports: a port rule cannot match it.
        assertThat(outcome(HARNESS.run(f, TestFrames.v4().fragment(64, false).tcp(1, 22).payload(new byte[16]).build()))).isEqualTo("pass");
        assertThat(outcome(HARNESS.run(f, TestFrames.arp()))).isEqualTo("pass");
    }

    @Test
    void vlanStrippedByTheNicCounts() {
        PacketFilter f = acl("drop vlan=42");
        byte[] untagged = TestFrames.v4().udp(1, 2).build();
        assertThat(outcome(HARNESS.run(f, untagged))).isEqualTo("pass");
        try (FilterHarness stripped = new FilterHarness()) {
            stripped.strippedVlan(0x2000 | 42); // PCP 1, VID 42
            assertThat(outcome(stripped.run(f, untagged))).isEqualTo("drop");
        }
    }

    @Test
    void ruleWithoutFieldsMatchesEverythingEvenARunt() {
        PacketFilter f = acl("redirect:2 src=10.0.0.0/8", "drop");
        assertThat(outcome(HARNESS.run(f, new byte[3]))).isEqualTo("drop");
        assertThat(outcome(HARNESS.run(f, TestFrames.arp()))).isEqualTo("drop");
    }

    @Test
    void asASecondStageProgramItsRulesAndDefaultNameItsRedirectKeysForTheCycleCheck() {
        Map<String, String> params = Map.of("rule.1", "redirect:3 src=10.0.0.0/8", "rule.2", "drop dport=53",
                "rule.3", "redirect:3 dst=10.1.0.0/16", "rule.4", "redirect:0 dport=80", "default", "redirect:2");
        PacketFilter program = Programs.create("acl", params);
        assertThat(Programs.redirectTargets("acl", params, program)).containsExactly(0, 2, 3);
        // Declared targets (for its bare REDIRECTs) come with them; name and params alone do not know the rules.
        Map<String, String> withTargets = new HashMap<>(params);
        withTargets.put("targets", "5");
        assertThat(Programs.redirectTargets("acl", withTargets, Programs.create("acl", withTargets)))
                .containsExactly(0, 2, 3, 5);
        assertThat(Programs.redirectTargets("acl", params)).isEmpty();
        Map<String, String> passOnly = Map.of("rule.1", "drop dport=53");
        assertThat(Programs.redirectTargets("acl", passOnly, Programs.create("acl", passOnly))).isEmpty();
    }

    @Test
    void defaultActionParameter() {
        assertThat(udp4(Filters.create("acl", Map.of("default", "redirect:3"), TARGETS), "10.0.0.1", "10.0.0.2", 1, 2))
                .isEqualTo("redirect:3");
        assertThat(udp4(Filters.create("acl", Map.of("default", "drop"), TARGETS), "10.0.0.1", "10.0.0.2", 1, 2))
                .isEqualTo("drop");
    }

    @Test
    void rulesFileThenInlineRules(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("acl.rules");
        Files.writeString(file, """
                # blocklist
                drop src=198.18.0.66      # one host

                redirect:2 src=198.18.0.0/24
                """);
        PacketFilter f = Filters.create("acl", Map.of("rules", file.toString(), "rule.1", "drop dport=9",
                "rule.10", "redirect:3 proto=udp"), TARGETS);
        assertThat(udp4(f, "198.18.0.66", "10.0.0.1", 1, 2)).isEqualTo("drop");
        assertThat(udp4(f, "198.18.0.65", "10.0.0.1", 1, 9)).isEqualTo("redirect:2"); // file rules come first
        assertThat(udp4(f, "198.18.1.65", "10.0.0.1", 1, 9)).isEqualTo("drop");
        assertThat(udp4(f, "198.18.1.65", "10.0.0.1", 1, 10)).isEqualTo("redirect:3");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "block src=1.2.3.4 | unknown action 'block'",
            "redirect:x | unknown action 'redirect:x'",
            "drop src=1.2.3.4/33 | prefix length 33 outside 0..32",
            "drop src=1.2.3 | not an IPv4 or IPv6 address: '1.2.3'",
            "drop src=example.com | not an IPv4 or IPv6 address",
            "drop dport=9-8 | port range '9-8' outside 0..65535 or reversed",
            "drop dport=70000 | outside 0..65535",
            "drop vlan=4096 | VLAN id range '4096'",
            "drop proto=ftp | not a protocol",
            "drop colour=red | unknown field 'colour' (known: src, dst, proto, sport, dport, vlan)",
            "drop src=1.2.3.4 src=1.2.3.5 | field 'src' given twice",
            "drop src=10.0.0.0/8 dst=2001:db8::/32 | different address families",
            "drop dport | expected field=value"})
    void badRulesNameTheRuleAndTheReason(String rule, String message) {
        assertThatThrownBy(() -> acl("pass", rule)).isInstanceOf(FilterException.class)
                .hasMessageContaining("parameter rule.2").hasMessageContaining(message);
    }

    @Test
    void badRulesFileLineIsReported(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("acl.rules");
        Files.writeString(file, "drop src=10.0.0.0/8\n\ndrop dst=10.0.0.0/40\n");
        assertThatThrownBy(() -> Filters.create("acl", Map.of("rules", file.toString()), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("line 3").hasMessageContaining("prefix length 40");
        assertThatThrownBy(() -> Filters.create("acl", Map.of("rules", dir.resolve("missing").toString()), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("cannot read rules file");
        assertThatThrownBy(() -> Filters.create("acl", Map.of("rule.first", "drop"), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("must be a number");
        assertThatThrownBy(() -> Filters.create("acl", Map.of("default", "reject"), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("parameter 'default'");
    }

    @Test
    void aRulesFileIsNeverEchoedAndOnlyARegularFileIsRead(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("shadow");
        Files.writeString(secret, "root:$6$s3cr3t-hash:19000:0:99999:7:::\n");
        assertThatThrownBy(() -> Filters.create("acl", Map.of("rules", secret.toString()), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("line 1").hasMessageContaining("not a valid rule")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t").doesNotContain("root:"));
        assertThatThrownBy(() -> Filters.create("acl", Map.of("rules", "/dev/zero"), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("not a regular file");
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Filters.create("acl", Map.of("rules", fifo.toString()), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("not a regular file");
        assertThat(System.nanoTime() - start).as("a FIFO is refused, not opened (opening blocks)")
                .isLessThan(5_000_000_000L);
    }

    /** A straight linear scan of the rules: the oracle the tries must agree with. */
    private record OracleRule(int family, byte[] src, int srcLen, byte[] dst, int dstLen, int dportLo, int dportHi, String action) {
        boolean matches(byte[] s, byte[] d, int dport) {
            return (srcLen < 0 || (s.length == (family == 4 ? 4 : 16) && prefixMatch(src, s, srcLen)))
                    && (dstLen < 0 || (d.length == (family == 4 ? 4 : 16) && prefixMatch(dst, d, dstLen)))
                    && (dportLo < 0 || (dport >= dportLo && dport <= dportHi));
        }

        static boolean prefixMatch(byte[] p, byte[] a, int len) {
            for (int bit = 0; bit < len; bit++) {
                int mask = 0x80 >>> (bit & 7);
                if ((p[bit >>> 3] & mask) != (a[bit >>> 3] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** 9000 rules put over 4096 prefixes in the IPv4 source trie: the 16-bit root is covered too. */
    @ParameterizedTest(name = "{0} rules, {1} packets, {2}")
    @CsvSource({"3000, 20000, any", "9000, 4000, any", "3000, 20000, sources", "9000, 8000, sources",
            "3000, 20000, prefixed"})
    void agreesWithALinearScanOnThousandsOfRandomRulesAndPackets(int ruleCount, int packets, String shape)
            throws Exception {
        // sources: every IPv4 rule has a source prefix (a blocklist; one in twelve also has a port
        // range), so the IPv4 source trie is the only IPv4 source of candidates and answers from its
        // direct /16 table, then its search, without a parse unless a port rule is a candidate.
        // prefixed: every rule has a prefix, on either side or both: IPv4 frames are looked up by
        // their addresses first, in both tries. any: rules of ports alone too, checked for every packet.
        boolean ipv4SourcesOnly = shape.equals("sources");
        Random rnd = new Random(ruleCount);
        List<OracleRule> oracle = new ArrayList<>();
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < ruleCount; i++) {
            int family = rnd.nextInt(4) == 0 ? 6 : 4;
            int bytes = family == 4 ? 4 : 16;
            // Addresses from a small pool so that prefixes nest and overlap.
            byte[] s = poolAddress(rnd, bytes), d = poolAddress(rnd, bytes);
            boolean plainSource = ipv4SourcesOnly && family == 4;
            int srcLen = plainSource ? rnd.nextInt(33) : rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(bytes * 8 + 1);
            int dstLen = plainSource || rnd.nextInt(2) == 0 ? -1 : rnd.nextInt(bytes * 8 + 1);
            if (!shape.equals("any") && srcLen < 0 && dstLen < 0) {
                dstLen = rnd.nextInt(bytes * 8 + 1); // a rule without prefix would be checked for every packet
            }
            if (shape.equals("prefixed")) {
                // One side mostly, from /8 on: a lookup's first candidate is often a plain prefix on
                // each side, so both answers come from the addresses alone and the earlier rule wins.
                int sides = rnd.nextInt(4); // 0, 1: source; 2: destination; 3: both
                srcLen = sides == 2 ? -1 : 8 + rnd.nextInt(bytes * 8 - 7);
                dstLen = sides < 2 ? -1 : 8 + rnd.nextInt(bytes * 8 - 7);
            }
            int dportLo = (!plainSource || rnd.nextInt(4) == 0) && rnd.nextInt(3) == 0 ? rnd.nextInt(8) : -1;
            int dportHi = dportLo < 0 ? -1 : dportLo + rnd.nextInt(4);
            String action = switch (rnd.nextInt(3)) {
                case 0 -> "drop";
                case 1 -> "pass";
                default -> "redirect:" + rnd.nextInt(4);
            };
            StringBuilder rule = new StringBuilder(action);
            if (srcLen >= 0) {
                rule.append(" src=").append(InetAddress.getByAddress(s).getHostAddress()).append('/').append(srcLen);
            }
            if (dstLen >= 0) {
                rule.append(" dst=").append(InetAddress.getByAddress(d).getHostAddress()).append('/').append(dstLen);
            }
            if (dportLo >= 0) {
                rule.append(" dport=").append(dportLo).append('-').append(dportHi);
            }
            if (srcLen < 0 && dstLen < 0 && dportLo < 0) {
                continue; // a catch-all would hide every later rule
            }
            params.put("rule." + oracle.size(), rule.toString());
            oracle.add(new OracleRule(family, s, srcLen, d, dstLen, dportLo, dportHi, action));
        }
        params.put("default", "redirect:9");
        PacketFilter f = Filters.create("acl", params, TARGETS);
        assertThat(((AclFilter) f).answersIpv4Directly()).isEqualTo(ipv4SourcesOnly);
        assertThat(((AclFilter) f).looksUpIpv4ByAddress()).isEqualTo(!shape.equals("any"));
        for (int i = 0; i < packets; i++) {
            int bytes = rnd.nextInt(4) == 0 ? 16 : 4;
            byte[] s = poolAddress(rnd, bytes), d = poolAddress(rnd, bytes);
            if (i % 2 == 0) {
                // Aim at a rule's own addresses, so that every rule gets hit, long prefixes included.
                OracleRule target = oracle.get(rnd.nextInt(oracle.size()));
                s = target.src().clone();
                d = target.dst().clone();
            }
            int dport = rnd.nextInt(12);
            String expected = "redirect:9";
            for (OracleRule r : oracle) {
                if (r.matches(s, d, dport)) {
                    expected = r.action();
                    break;
                }
            }
            String got = outcome(HARNESS.run(f, FrameBuilder.ethernet().ip(s, d).udp(1, dport).build()));
            assertThat(got).as("packet %d", i).isEqualTo(expected);
        }
    }

    private static byte[] poolAddress(Random rnd, int bytes) {
        byte[] a = new byte[bytes];
        a[0] = (byte) (rnd.nextBoolean() ? 10 : 0x20);
        for (int i = 1; i < bytes; i++) {
            a[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : rnd.nextInt(2));
        }
        return a;
    }
}
