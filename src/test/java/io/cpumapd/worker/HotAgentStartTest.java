package io.cpumapd.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.testkit.TestEal;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The start handshake of a hot thread: a thread that begins only after its launch gave up (start
 * timeout; the caller then frees what it would poll, as an update frees the new entry's ring) sets
 * nothing up, never polls and ends; a thread in time starts and stops as usual.
 */
class HotAgentStartTest {
    private static Eal eal;

    @BeforeAll
    static void start() {
        eal = TestEal.start();
    }

    @AfterAll
    static void stop() {
        eal.close();
    }

    /** Counts what the agent's thread did. */
    private static final class Probe {
        final AtomicInteger builds = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger lcore = new AtomicInteger(-2);

        HotAgent agent(String name, Quiescence q) {
            return new HotAgent(name, 0, q, () -> {
                builds.incrementAndGet();
                return null;
            }, () -> null, () -> null) {
                @Override
                protected void onStarted() {
                    started.incrementAndGet();
                    lcore.set(Eal.lcoreId());
                }

                @Override
                public int doWork() {
                    polls.incrementAndGet();
                    return 0;
                }

                @Override
                protected void onClosed() {
                    closed.incrementAndGet();
                }
            };
        }
    }

    @Test
    void aThreadThatStartsAfterItsLaunchGaveUpTouchesNothingAndEnds() throws Exception {
        Quiescence q = new Quiescence();
        Probe probe = new Probe();
        CountDownLatch late = new CountDownLatch(1);
        int lcores = eal.lcoreCount();
        HotAgent agent = probe.agent("late-start", q).startTimeout(100).beforeStart(() -> {
            try {
                late.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        assertThatThrownBy(() -> agent.start(new BusySpinIdleStrategy()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("late-start did not start within 100 ms");
        late.countDown(); // the thread goes on now, after its caller gave up

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.threadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(agent.threadAlive()).as("the late thread ended by itself").isFalse();
        assertThat(probe.builds.get()).as("thread-confined parts built").isZero();
        assertThat(probe.started.get()).as("onStarted runs").isZero();
        assertThat(probe.polls.get()).as("polls").isZero();
        assertThat(agent.polls()).as("polls counted").isZero();
        assertThat(probe.closed.get()).as("teardown of a setup that never happened").isZero();
        assertThat(eal.lcoreCount()).as("lcores in use").isEqualTo(lcores);
        assertThat(q.synchronize(Duration.ofMillis(1))).as("participants a grace period would wait for").isEmpty();
        assertThat(agent.ended()).as("a thread that never ran its loop is not one to restart").isFalse();
    }

    @Test
    void aThreadInTimeStartsPollsAndStops() throws Exception {
        Quiescence q = new Quiescence();
        Probe probe = new Probe();
        int lcores = eal.lcoreCount();
        HotAgent agent = probe.agent("in-time", q).startTimeout(10_000);

        agent.start(new BusySpinIdleStrategy());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (probe.polls.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(probe.builds.get()).isEqualTo(1);
        assertThat(probe.started.get()).isEqualTo(1);
        assertThat(probe.lcore.get()).as("registered with DPDK").isNotEqualTo(Eal.LCORE_ID_ANY);
        assertThat(probe.polls.get()).as("polls").isPositive();
        assertThat(eal.lcoreCount()).isEqualTo(lcores + 1);

        agent.stop();
        assertThat(agent.threadAlive()).isFalse();
        assertThat(probe.closed.get()).isEqualTo(1);
        assertThat(eal.lcoreCount()).as("lcore given back").isEqualTo(lcores);
        assertThat(q.synchronize(Duration.ofMillis(1))).as("offline: no grace period waits for it").isEmpty();
    }
}
