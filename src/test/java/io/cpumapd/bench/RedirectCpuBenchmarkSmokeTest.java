package io.cpumapd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.testkit.TestEal;
import io.cpumapd.config.Cpus;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code bench redirect-cpu} runnable with both implementations: one short round each, no
 * speed asserted; traffic flows through RX and consumer, the RX thread's CPU time is read, and no
 * mbuf is left behind. The ring source with bulk TCP traffic exercises the feeder writing segments.
 */
class RedirectCpuBenchmarkSmokeTest {
    private static Eal eal;

    @BeforeAll
    static void start() {
        eal = TestEal.start();
    }

    @AfterAll
    static void stop() {
        eal.close();
    }

    private static List<RoundResult> run(String source, String mode, TrafficSpec traffic) {
        int consumer = Cpus.online().cardinality() - 1;
        RedirectCpuConfig config = new RedirectCpuConfig(source, null, mode, RedirectCpuConfig.DROP,
                new int[] {consumer}, 0, 1024, 8, "busy-spin", 0.3, 0.5, 0.5, 1, List.of("java", "c"), false, 0,
                traffic);
        RedirectCpuBenchmark bench = new RedirectCpuBenchmark(eal, config, (impl, device, pool, prefill) ->
                impl.equals("java") ? JavaRedirectCpu.start(config, device, pool, prefill)
                        : CRedirectCpu.start(config, device, pool, prefill), null);
        return bench.run();
    }

    private static void flowed(List<RoundResult> rounds) {
        assertThat(rounds).extracting(RoundResult::impl).containsExactly("java", "c");
        for (RoundResult r : rounds) {
            assertThat(r.rxPps()).as("%s rx", r.impl()).isPositive();
            assertThat(r.consumerPps()).as("%s consumer", r.impl()).isPositive();
            assertThat(r.rxCpuShare()).as("%s RX CPU share", r.impl()).isPositive();
            assertThat(r.leakedMbufs()).as("%s leaked", r.impl()).isZero();
        }
    }

    @Test
    void l4HashOnTheNullSource() {
        flowed(run("null", BenchPrograms.L4_HASH, TrafficSpec.smallUdp()));
    }

    @Test
    void noTouchOnBulkTcpFromTheRing() {
        flowed(run("ring", BenchPrograms.NO_TOUCH, new TrafficSpec(TrafficSpec.TCP, 4, 0, true, false, 8)));
    }
}
