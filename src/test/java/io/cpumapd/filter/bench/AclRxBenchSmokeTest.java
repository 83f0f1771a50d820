package io.cpumapd.filter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keeps {@link AclRxBench} runnable: one short round, no timing asserted, only that traffic flowed. */
class AclRxBenchSmokeTest {
    @Test
    void everyFilterMovesPacketsThroughTheRxWorker() throws Exception {
        Map<String, double[]> mpps = AclRxBench.run(0.2, 1);
        assertThat(mpps).containsOnlyKeys("no-touch", "touch", "parse", "l4-hash", "acl-empty", "acl-10k", "acl-10k-drop");
        mpps.values().forEach(v -> assertThat(v[0]).isPositive());
    }
}
