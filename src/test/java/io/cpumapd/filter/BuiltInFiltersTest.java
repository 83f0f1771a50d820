package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The kernel sample's program modes on every frame shape, with targets [10, 20, 30]. */
class BuiltInFiltersTest {
    private static final FilterHarness HARNESS = new FilterHarness();
    private static final TargetSet TARGETS = TargetSet.of(10, 20, 30);

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    /** Expected outcome per frame; frames not listed expect {@code otherwise}. */
    private static Stream<Arguments> cases(String filter, Map<String, String> params, String otherwise,
                                           Map<String, String> expected) {
        List<Arguments> out = new ArrayList<>();
        TestFrames.all().forEach((name, frame) ->
                out.add(Arguments.of(filter, params, name, frame, expected.getOrDefault(name, otherwise))));
        return out.stream();
    }

    static Stream<Arguments> table() {
        Map<String, String> l4proto = new HashMap<>();
        for (String name : TestFrames.all().keySet()) {
            if (name.startsWith("udp")) {
                l4proto.put(name, "cpu:20");
            } else if (name.startsWith("icmp")) {
                l4proto.put(name, "cpu:30");
            }
        }
        l4proto.put("runt-13", "PASS");
        l4proto.put("udp4-cut-in-ip", "cpu:10"); // protocol unknown: "other"
        Map<String, String> l4filter = new HashMap<>(l4proto);
        l4filter.put("udp4-dport9", "DROP");
        l4filter.put("udp6-dport9", "DROP");
        l4filter.put("udp4-dport9-frag-first", "DROP");
        l4filter.put("udp4-dport9-frag-later", "cpu:20"); // no UDP header in a later fragment
        Map<String, String> fixedKeys = new HashMap<>();
        l4proto.forEach((k, v) -> fixedKeys.put(k, v.replace("cpu:10", "cpu:1").replace("cpu:20", "cpu:2").replace("cpu:30", "cpu:3")));
        Map<String, String> ports = new HashMap<>();
        Map<String, String> sports = new HashMap<>();
        for (String name : TestFrames.all().keySet()) {
            boolean hasPorts = (name.startsWith("udp") || name.startsWith("tcp"))
                    && !name.endsWith("frag-later") && !name.contains("cut");
            // 8080 % 3 = 1, 9 % 3 = 0, 40001 % 3 = 2
            ports.put(name, hasPorts ? (name.contains("dport9") ? "cpu:10" : "cpu:20") : "cpu:10");
            sports.put(name, hasPorts ? "cpu:30" : "cpu:10");
        }
        ports.put("runt-13", "PASS");
        sports.put("runt-13", "PASS");
        return Stream.of(
                cases("no-touch", Map.of(), "cpu:10", Map.of()),
                cases("touch", Map.of(), "cpu:10", Map.of("802.3", "DROP", "runt-13", "ABORTED")),
                cases("l4-proto", Map.of(), "cpu:10", l4proto),
                cases("l4-proto", Map.of("tcp", "1", "udp", "2", "icmp", "3"), "cpu:1", fixedKeys),
                cases("l4-filter", Map.of(), "cpu:10", l4filter),
                cases("l4-dport", Map.of(), "cpu:10", ports),
                cases("l4-sport", Map.of(), "cpu:10", sports),
                cases("l4-hash", Map.of(), "IP", Map.of("arp", "cpu:10", "802.3", "cpu:10", "runt-13", "PASS")),
                cases("rate-limit", Map.of(), "IP", Map.of("arp", "cpu:10", "802.3", "cpu:10", "runt-13", "PASS")),
                cases("acl", Map.of("rule.1", "drop proto=udp dport=9", "default", "redirect:20"), "cpu:20",
                        Map.of("udp4-dport9", "DROP", "udp6-dport9", "DROP", "udp4-dport9-frag-first", "DROP"))
        ).flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0} {1} on {2} -> {4}")
    @MethodSource("table")
    void verdictPerFrameShape(String filter, Map<String, String> params, String frameName, byte[] frame,
                              String expected) {
        PacketFilter f = Filters.create(filter, params, TARGETS);
        FilterResult r = HARNESS.run(f, frame);
        assertThat(r.thrown()).isNull();
        if (expected.equals("IP")) {
            // Hash filters: some target of the set, the same one for the same addresses.
            assertThat(r.cpumapKey()).isIn(10, 20, 30);
            assertThat(HARNESS.run(f, frame).cpumapKey()).isEqualTo(r.cpumapKey());
        } else if (expected.startsWith("cpu:")) {
            assertThat(r.cpumapKey()).as(r.toString()).isEqualTo(Integer.parseInt(expected.substring(4)));
        } else {
            assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.valueOf(expected));
        }
    }

    @Test
    void l4ProtoDefaultsWrapWhenFewerTargets() {
        PacketFilter f = Filters.create("l4-proto", Map.of(), TargetSet.of(4, 5));
        assertThat(HARNESS.run(f, TestFrames.v4().tcp(1, 2).build()).cpumapKey()).isEqualTo(4);
        assertThat(HARNESS.run(f, TestFrames.v4().udp(1, 2).build()).cpumapKey()).isEqualTo(5);
        assertThat(HARNESS.run(f, TestFrames.v4().icmpEcho(1, 2).build()).cpumapKey()).isEqualTo(4);
    }

    @Test
    void targetSetChangesAreSeenOnTheNextPacket() {
        TargetSet targets = TargetSet.of(1);
        PacketFilter f = Filters.create("no-touch", Map.of(), targets);
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        assertThat(HARNESS.run(f, frame).cpumapKey()).isEqualTo(1);
        targets.set(7, 8);
        assertThat(HARNESS.run(f, frame).cpumapKey()).isEqualTo(7);
    }

    /**
     * The RX worker calls beginBurst() once per burst: a filter keeps the set it took there for every
     * packet of the burst, and a set(...) between two bursts is seen from the next one on (rate-limit
     * passes beginBurst to the filter it wraps).
     */
    @Test
    void theTargetSetIsTakenOncePerBurstAndAChangeIsSeenByTheNextBurst() {
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        long m = HARNESS.load(0, frame);
        for (String name : List.of("no-touch", "touch", "round-robin", "l4-proto", "l4-filter", "l4-hash", "l4-sport",
                "l4-dport", "rate-limit")) {
            TargetSet targets = TargetSet.of(3);
            PacketFilter f = Filters.create(name, Map.of(), targets);
            Packet p = new Packet();
            p.wrap(m);
            f.beginBurst();
            assertThat(f.filter(p)).as(name).isEqualTo(Verdict.REDIRECT);
            assertThat(p.targetKey()).as(name).isEqualTo(3);
            targets.set(6);
            p.wrap(m);
            f.filter(p);
            assertThat(p.targetKey()).as("%s: the rest of the burst keeps its set", name).isEqualTo(3);
            f.beginBurst();
            p.wrap(m);
            f.filter(p);
            assertThat(p.targetKey()).as("%s: the next burst sees the change", name).isEqualTo(6);
        }
    }

    @Test
    void emptyTargetSetRedirectsToKeyZeroWithAbortedFallback() {
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        for (String name : List.of("no-touch", "touch", "round-robin", "l4-proto", "l4-filter", "l4-hash",
                "l4-sport", "l4-dport", "rate-limit")) {
            FilterResult r = HARNESS.run(Filters.create(name, Map.of(), new TargetSet()), frame);
            assertThat(r.redirectedTo(0)).as(name).isTrue();
            assertThat(r.fallback()).as(name).isEqualTo(Verdict.ABORTED);
        }
    }

    @Test
    void roundRobinSpreadsEvenlyAndFollowsTheSet() {
        TargetSet targets = TargetSet.of(3, 5, 7);
        PacketFilter f = Filters.create("round-robin", Map.of(), targets);
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            seen.merge(HARNESS.run(f, frame).cpumapKey(), 1, Integer::sum);
        }
        assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of(3, 100, 5, 100, 7, 100));
        targets.set(9);
        assertThat(HARNESS.run(f, frame).cpumapKey()).isEqualTo(9);
        assertThat(HARNESS.run(f, frame).cpumapKey()).isEqualTo(9);
    }

    @Test
    void everyBuiltInHasItsName() {
        for (String name : Filters.names()) {
            assertThat(Filters.create(name, Map.of(), TARGETS).name()).isEqualTo(name);
        }
    }
}
