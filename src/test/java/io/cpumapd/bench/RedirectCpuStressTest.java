package io.cpumapd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.config.Cpus;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.testkit.TestEal;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code bench redirect-cpu --stress} with a few hundred updates under traffic: facts only, no
 * timing. Every update is taken, every retired consumer gave its lcore back and ended, the mempool
 * is full once the pipeline is down, and traffic still flows after the churn.
 */
class RedirectCpuStressTest {
    private static Eal eal;

    @BeforeAll
    static void start() {
        eal = TestEal.start();
    }

    @AfterAll
    static void stop() {
        eal.close();
    }

    @Test
    void hundredsOfUpdatesUnderTrafficWearNothing() {
        int consumer = Cpus.online().cardinality() - 1;
        RedirectCpuConfig config = new RedirectCpuConfig("null", null, BenchPrograms.L4_HASH, RedirectCpuConfig.DROP,
                new int[] {consumer}, 0, 1024, 8, "busy-spin", 0.2, 0.3, 0.3, 1, List.of("java"), false, 0,
                TrafficSpec.smallUdp());
        int lcoresAtStart = eal.lcoreCount();
        RedirectCpuStress.Result r = new RedirectCpuStress(eal, config, 300, null).run();

        assertThat(r.refused()).as("refused updates").isEmpty();
        assertThat(r.updatesDone()).as("300 churn updates + the one back to the round's qsize").isEqualTo(301);
        assertThat(r.lcoresAfter()).as("lcores after the churn").isEqualTo(r.lcoresBefore());
        assertThat(r.consumerThreadsAfter()).as("consumer threads after the churn")
                .isEqualTo(r.consumerThreadsBefore()).isEqualTo(1);
        assertThat(r.leakedMbufs()).as("mbufs in use once the pipeline is down").isZero();
        // Every retired consumer drained its ring to empty: after a complete grace period no RX worker
        // pushes into it any more, and the consumer reads its ring for the last time only after that.
        // Before Consumer.doWork read `draining` ahead of its dequeue, full bulks (8 handles) could be
        // left behind. A grace period cut short (a thread stalled past the stuck time) counts apart.
        assertThat(r.cleanedUp()).as("handles left in retired rings after a complete grace period").isZero();
        assertThat(r.rxBefore()).as("rx before").isPositive();
        assertThat(r.rxAfter()).as("rx after").isPositive();
        assertThat(eal.lcoreCount()).as("lcores once the pipeline is down").isEqualTo(lcoresAtStart);
        // The churn's rings and threads are gone: the DPDK heap holds no more allocations than before it.
        assertThat(r.memoryAfter().dpdkAllocations()).as("DPDK heap allocations")
                .isLessThanOrEqualTo(r.memoryBefore().dpdkAllocations());
    }
}
