package io.cpumapd.cpumap;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.testkit.TestEal;
import io.cpumapd.testkit.TestPipeline;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md's cpumap semantics under continuous traffic: net_pcap replays a mixed capture in a
 * loop into one RX worker; consumers count and free what they pass. Every test ends with the
 * daemon's shutdown order and checks that every packet is accounted for and no mbuf leaked.
 */
class CpuMapTrafficTest {
    @TempDir
    static Path dir;
    static Eal eal;
    static Path capture;
    static final AtomicInteger PORTS = new AtomicInteger();
    TestPipeline p;

    @BeforeAll
    static void start() throws Exception {
        capture = dir.resolve("mixed.pcap");
        new MixedTraffic(7).writePcap(capture, 256);
        eal = TestEal.start();
    }

    @AfterAll
    static void stop() {
        eal.close();
    }

    TestPipeline pipeline(PacketFilter filter) {
        String name = "net_pcap" + PORTS.incrementAndGet();
        eal.attach(name + ",rx_pcap=" + capture + ",infinite_rx=1");
        p = new TestPipeline(name, filter, 2, 8, "backoff");
        return p;
    }

    @AfterEach
    void close() {
        if (p != null) {
            p.stopRx();
            System.err.println(p.debug());
            p.close(); // asserts the mempool is full again
        }
    }

    /** Every packet the RX worker took ended as exactly one of its final actions. */
    void assertRxAccounted() {
        long actions = 0;
        for (RxCounter c : new RxCounter[] {RxCounter.ABORTED, RxCounter.DROP, RxCounter.PASS, RxCounter.TX,
                RxCounter.REDIRECT}) {
            actions += p.rx(c);
        }
        assertThat(actions).isEqualTo(p.rx(RxCounter.RX));
    }

    /** Every redirect was enqueued or counted as an enqueue drop, and consumers processed every enqueued one. */
    void assertEntriesAccounted(int... keys) {
        long enqueued = 0;
        long drops = 0;
        long processed = 0;
        for (int k : keys) {
            enqueued += p.target(k, EnqueueCounter.ENQUEUED);
            drops += p.target(k, EnqueueCounter.DROPS);
            processed += p.consumer(k, ConsumerCounter.PROCESSED);
            long verdicts = p.consumer(k, ConsumerCounter.PASS) + p.consumer(k, ConsumerCounter.DROP)
                    + p.consumer(k, ConsumerCounter.REDIRECT) + p.consumer(k, ConsumerCounter.EXCEPTIONS);
            assertThat(verdicts).as("consumer %d verdicts", k).isEqualTo(p.consumer(k, ConsumerCounter.PROCESSED));
        }
        assertThat(enqueued).as("enqueued").isEqualTo(processed);
        assertThat(enqueued + drops).as("enqueued + drops").isEqualTo(
                p.rx(RxCounter.REDIRECT) + keysRedirectedByConsumers(keys));
    }

    long keysRedirectedByConsumers(int... keys) {
        long n = 0;
        for (int k : keys) {
            n += p.consumer(k, ConsumerCounter.REDIRECT);
        }
        return n;
    }

    @Test
    void spreadsByHashAndDeliversEverything() throws Exception {
        pipeline(packet -> packet.redirect((packet.getU8(packet.length() - 1) & 1)));
        p.map.update(0, 2048, null, CpuMap.ANY);
        p.map.update(1, 2048, null, CpuMap.ANY);
        p.startRx();
        p.awaitRx(50_000, 20_000);
        p.stopRx();
        p.map.close();
        assertRxAccounted();
        assertEntriesAccounted(0, 1);
        assertThat(p.consumer(0, ConsumerCounter.PASS)).isPositive();
        assertThat(p.consumer(1, ConsumerCounter.PASS)).isPositive();
        long lost = p.target(0, EnqueueCounter.DROPS) + p.target(1, EnqueueCounter.DROPS);
        assertThat(p.rx(RxCounter.REDIRECT)).isEqualTo(p.rx(RxCounter.RX));
        assertThat(p.delivered()).isEqualTo(p.rx(RxCounter.RX) - lost);
        long bulkCalls = p.target(0, EnqueueCounter.BULK_CALLS) + p.target(1, EnqueueCounter.BULK_CALLS);
        long enqueued = p.target(0, EnqueueCounter.ENQUEUED) + p.target(1, EnqueueCounter.ENQUEUED);
        double bulkAvg = (double) (enqueued + lost) / bulkCalls;
        assertThat(bulkAvg).as("bulk average").isBetween(1.0, 8.0);
    }

    @Test
    void fullRingDropsAreCountedAndFreed() throws Exception {
        // A second stage that takes ~50 us a packet cannot keep up with a ring of 8.
        pipeline(packet -> packet.redirect(0));
        p.map.update(0, 8, packet -> {
            long end = System.nanoTime() + 50_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return Verdict.PASS;
        }, CpuMap.ANY);
        p.startRx();
        p.awaitRx(20_000, 20_000);
        p.stopRx();
        p.map.close();
        assertThat(p.target(0, EnqueueCounter.DROPS)).as("enqueue drops").isPositive();
        assertRxAccounted();
        assertEntriesAccounted(0);
    }

    @Test
    void redirectToAnEmptyKeyTakesTheFallbackAction() throws Exception {
        pipeline(packet -> packet.redirect(1));
        p.map.update(0, 256, null, CpuMap.ANY);
        p.startRx();
        p.awaitRx(2_000, 10_000);
        assertThat(p.rx(RxCounter.ABORTED)).isPositive();

        p.filter.swap(packet -> packet.redirect(1, Verdict.PASS.ordinal()));
        long rxBefore = p.rx(RxCounter.RX);
        p.awaitRx(rxBefore + 2_000, 10_000);
        assertThat(p.rx(RxCounter.PASS)).isPositive();

        p.filter.swap(packet -> packet.redirect(1, Verdict.DROP.ordinal()));
        rxBefore = p.rx(RxCounter.RX);
        p.awaitRx(rxBefore + 2_000, 10_000);
        assertThat(p.rx(RxCounter.DROP)).isPositive();
        p.stopRx();
        assertThat(p.rx(RxCounter.REDIRECT_ERRORS)).as("only ABORTED fallbacks are redirect errors").isEqualTo(
                p.rx(RxCounter.ABORTED));
        assertThat(p.rx(RxCounter.REDIRECT)).isZero();
        assertRxAccounted();
    }

    @Test
    void updateAndDeleteUnderTrafficLoseNothing() throws Exception {
        pipeline(packet -> packet.redirect(packet.getU8(packet.length() - 1) & 1));
        p.map.update(0, 1024, null, CpuMap.ANY);
        p.map.update(1, 1024, null, CpuMap.ANY);
        p.startRx();
        Random random = new Random(3);
        int[] qsizes = {8, 1024, 16000};
        for (int i = 0; i < 40; i++) {
            int key = random.nextInt(2);
            if (random.nextInt(4) == 0) {
                p.map.delete(key);
            } else {
                p.map.update(key, qsizes[random.nextInt(3)], null, CpuMap.ANY);
            }
            Thread.sleep(10);
        }
        p.stopRx();
        p.map.close();
        assertRxAccounted();
        assertEntriesAccounted(0, 1);
        assertThat(p.rx(RxCounter.REDIRECT)).isPositive();
    }

    @Test
    void secondStagePassDropAndRedirect() throws Exception {
        pipeline(packet -> packet.redirect(0));
        // entry 0: odd last byte → DROP, even → REDIRECT to entry 1, which passes.
        p.map.update(1, 1024, packet -> Verdict.PASS, CpuMap.ANY);
        p.map.update(0, 1024, packet -> (packet.getU8(packet.length() - 1) & 1) == 1 ? Verdict.DROP
                : packet.redirect(1), CpuMap.ANY);
        p.startRx();
        p.awaitRx(20_000, 20_000);
        p.stopRx();
        p.map.close();
        assertThat(p.consumer(0, ConsumerCounter.DROP)).isPositive();
        assertThat(p.consumer(0, ConsumerCounter.REDIRECT)).isPositive();
        assertThat(p.consumer(0, ConsumerCounter.PASS)).isZero();
        assertThat(p.consumer(1, ConsumerCounter.PASS)).isEqualTo(p.target(1, EnqueueCounter.ENQUEUED));
        assertRxAccounted();
        assertEntriesAccounted(0, 1);
    }

    @Test
    void aThrowingFilterAbortsOnlyThatPacket() throws Exception {
        pipeline(packet -> {
            if ((packet.getU8(packet.length() - 1) & 1) == 1) {
                throw new IllegalStateException("filter bug");
            }
            return packet.getU8(packet.length() + 10) == 0 ? Verdict.PASS : Verdict.PASS; // reads past the end
        });
        p.startRx();
        p.awaitRx(5_000, 10_000);
        p.filter.swap(packet -> (packet.getU8(packet.length() - 1) & 1) == 1 ? Verdict.PASS : Verdict.DROP);
        long before = p.rx(RxCounter.RX);
        p.awaitRx(before + 5_000, 10_000);
        p.stopRx();
        assertThat(p.rx(RxCounter.EXCEPTIONS)).isEqualTo(p.rx(RxCounter.ABORTED)).isGreaterThanOrEqualTo(5_000);
        assertThat(p.rx(RxCounter.PASS)).isPositive();
        assertThat(p.rx(RxCounter.DROP)).isPositive();
        assertRxAccounted();
    }

    @Test
    void filterSwapUnderTrafficIsAtomicPerPacket() throws Exception {
        LongAdder a = new LongAdder();
        LongAdder b = new LongAdder();
        PacketFilter fa = packet -> {
            a.increment();
            return Verdict.DROP;
        };
        PacketFilter fb = packet -> {
            b.increment();
            return Verdict.PASS;
        };
        pipeline(fa).startRx();
        for (int i = 0; i < 200; i++) {
            p.filter.swap(i % 2 == 0 ? fb : fa);
            Thread.sleep(1);
        }
        p.stopRx();
        assertThat(a.sum() + b.sum()).as("each packet ran exactly one filter").isEqualTo(p.rx(RxCounter.RX));
        assertThat(p.rx(RxCounter.DROP)).isEqualTo(a.sum());
        assertThat(p.rx(RxCounter.PASS)).isEqualTo(b.sum());
        assertThat(a.sum()).isPositive();
        assertThat(b.sum()).isPositive();
    }
}
