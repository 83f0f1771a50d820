package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FiltersTest {
    private static final TargetSet TARGETS = TargetSet.of(1, 2);

    @Test
    void namesListTheBuiltIns() {
        assertThat(Filters.names()).containsExactly("no-touch", "touch", "round-robin", "l4-proto", "l4-filter",
                "l4-hash", "l4-sport", "l4-dport", "acl", "rate-limit");
        assertThat(Programs.names()).startsWith("pass", "drop", "redirect").contains("l4-hash", "acl");
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> Filters.create("l4-hahs", Map.of(), TARGETS)).isInstanceOf(FilterException.class)
                .hasMessageStartingWith("unknown filter 'l4-hahs'")
                .hasMessageContaining("built-in: no-touch, touch, round-robin, l4-proto, l4-filter, l4-hash");
        assertThatThrownBy(() -> Filters.create(" ", Map.of(), TARGETS)).isInstanceOf(FilterException.class)
                .hasMessageContaining("no filter name");
    }

    @ParameterizedTest(name = "{0} {1}={2}")
    @CsvSource(delimiter = '|', value = {
            "no-touch | cpu | 1 | unknown parameter 'cpu' (known: none)",
            "l4-filter | drop_prot | 9 | unknown parameter 'drop_prot' (known: drop_port, tcp, udp, icmp)",
            "l4-filter | drop_port | 65536 | bad value '65536' for parameter 'drop_port': must be in 0..65535",
            "l4-proto | udp | one | bad value 'one' for parameter 'udp': not an integer",
            "rate-limit | rate_pps | -1 | bad value '-1' for parameter 'rate_pps'",
            "rate-limit | eviction | random | expected lru, drop-new or pass-new",
            "rate-limit | table_size | 0 | bad value '0' for parameter 'table_size'",
            "rate-limit | then | rate-limit | rate-limit cannot feed itself",
            "rate-limit | then | nope | unknown filter 'nope'",
            "rate-limit | then.drop_port | 9 | filter 'l4-hash': unknown parameter 'drop_port'",
            "acl | rules.1 | drop | unknown parameter 'rules.1' (known: rules, rule.<N>, default)"})
    void badParametersSayWhichAndWhy(String filter, String key, String value, String message) {
        assertThatThrownBy(() -> Filters.create(filter, Map.of(key, value), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining(message);
    }

    @Test
    void eachCallMakesANewInstance() {
        assertThat(Filters.create("round-robin", Map.of(), TARGETS))
                .isNotSameAs(Filters.create("round-robin", Map.of(), TARGETS));
    }

    @Test
    void secondStagePrograms() {
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        try (FilterHarness h = new FilterHarness()) {
            assertThat(h.run(Programs.create("pass", Map.of()), frame).verdict()).isEqualTo(Verdict.PASS);
            assertThat(h.run(Programs.create("drop", null), frame).verdict()).isEqualTo(Verdict.DROP);
            assertThat(h.run(Programs.create("redirect", Map.of("cpu", "3")), frame).redirectedTo(3)).isTrue();
            assertThat(h.run(Programs.create("redirect", Map.of("port", "1")), frame).redirectedToPort(1)).isTrue();
            PacketFilter hash = Programs.create("l4-proto", Map.of("targets", "5, 6"));
            assertThat(h.run(hash, frame).redirectedTo(6)).isTrue();
            assertThat(h.run(Programs.create("acl", Map.of("rule.1", "drop proto=udp")), frame).verdict())
                    .isEqualTo(Verdict.DROP);
        }
        assertThat(Programs.create("redirect", Map.of("cpu", "3")).name()).isEqualTo("redirect");
    }

    @Test
    void badSecondStagePrograms() {
        assertThatThrownBy(() -> Programs.create("redirect", Map.of())).isInstanceOf(FilterException.class)
                .hasMessageContaining("exactly one of cpu=<cpumap key> or port=<DPDK port>");
        assertThatThrownBy(() -> Programs.create("redirect", Map.of("cpu", "1", "port", "2")))
                .isInstanceOf(FilterException.class).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> Programs.create("pass", Map.of("cpu", "1"))).isInstanceOf(FilterException.class)
                .hasMessageContaining("unknown parameter 'cpu'");
        assertThatThrownBy(() -> Programs.create("l4-hash", Map.of("targets", "1,x")))
                .isInstanceOf(FilterException.class).hasMessageContaining("parameter 'targets'");
        assertThatThrownBy(() -> Programs.create("l4-hash", Map.of("targets", "-1")))
                .isInstanceOf(FilterException.class).hasMessageContaining("parameter 'targets'");
        assertThatThrownBy(() -> Programs.create("bounce", Map.of())).isInstanceOf(FilterException.class)
                .hasMessageContaining("unknown filter 'bounce'");
    }
}
