package io.cpumapd.filter.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps the benchmark runnable; a few packets only, and no timing is asserted. */
class FilterBenchSmokeTest {
    @Test
    void runsAndReportsEveryFilter() throws Exception {
        assertThat(FilterBench.run(20_000, 1)).containsOnlyKeys("no-touch", "parse", "l4-hash", "acl-empty", "acl-10k");
    }
}
