package io.cpumapd.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.cpumapd.packet.Packet;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.cpumap.CpuMapException;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.filter.Filters;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Ring;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.skb.SkbHandle;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.testkit.Capture;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.TestEal;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled {@link Pipeline} on real DPDK ports and a real TAP: skb mode (SkBuffs built on the
 * RX core travel as tagged handles through two rings), ring cleanup of both handle kinds, and
 * counters of retired consumers that stay in the totals.
 */
class PipelineTest {
    static Eal eal;
    @TempDir
    Path dir;

    @BeforeAll
    static void startEal() {
        eal = TestEal.start();
    }

    @AfterAll
    static void stopEal() {
        eal.close();
    }

    private static PipelineSpec spec(String device, boolean skbMode, TapOptions tap) {
        return new PipelineSpec("pt" + ThreadLocalRandom.current().nextInt(1 << 20), 4095, 64,
                Mempool.DEFAULT_DATA_ROOM, List.of(new PipelineSpec.PortSpec("in", device, 1, 1024, 1024, false)),
                List.of(new PipelineSpec.WorkerSpec("rx0", 0, List.of(new PipelineSpec.QueueRef("in", 0)), skbMode)),
                2, 8, "backoff", tap);
    }

    private static void await(BooleanSupplier done, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean() && System.currentTimeMillis() < end) {
            Thread.sleep(10);
        }
    }

    @Test
    void skbModeSkBuffsBuiltOnTheRxCoreReachTheKernelThroughTwoRings() throws Exception {
        final int frames = 600;
        String tapName = "cpmskb" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        try (NetNamespace ns = NetNamespace.create("cpumapd-skb")) {
            MixedTraffic traffic = new MixedTraffic(21).dstIpv4("198.18.0.1").dstIpv6("2001:db8::1");
            Path in = dir.resolve("in.pcap");
            traffic.writePcap(in, frames);
            List<byte[]> sent = traffic.generate(frames);
            long odd = sent.stream().filter(f -> (f.length & 1) == 1).count();
            eal.attach("net_pcap1,rx_pcap=" + in);
            Pipeline p = Pipeline.create(spec("net_pcap1", true,
                    TapOptions.builder(tapName).queues(3).vnetHdr(true).macAddress("02:00:00:00:00:02").build()),
                    w -> packet -> packet.redirect(0));
            try {
                ns.moveLink(tapName);
                ns.exec("ip", "link", "set", tapName, "up");
                Capture capture = Capture.start(ns, tapName, dir.resolve("out.pcap"));
                // Entry 0 sends odd lengths on to entry 1: a tagged handle crosses a second ring.
                PacketFilter oddOnward = packet -> (packet.length() & 1) == 1 ? packet.redirect(1) : Verdict.PASS;
                p.update(0, 512, oddOnward, CpuMap.ANY);
                p.update(1, 512, null, CpuMap.ANY);
                p.startRx();
                CounterRegistry c = p.counters();
                await(() -> c.get(ConsumerCounter.PROCESSED, 0) + c.get(ConsumerCounter.PROCESSED, 1)
                        >= frames + odd, 20_000);
                p.stopRx();
                p.map().close();
                assertThat(p.counters().get(RxCounter.RX, 0)).isEqualTo(frames);
                assertThat(p.counters().get(RxCounter.SKB_ERRORS, 0)).isZero();
                assertThat(p.counters().get(RxCounter.EMPTY_POLLS, 0)).as("polls after the capture ran out")
                        .isPositive();
                assertThat(p.counters().get(ConsumerCounter.REDIRECT, 0)).isEqualTo(odd);
                assertThat(p.counters().get(ConsumerCounter.PASS, 0)).isEqualTo(frames - odd);
                assertThat(p.counters().get(ConsumerCounter.PASS, 1)).isEqualTo(odd);
                assertThat(c.get(EnqueueCounter.ENQUEUED, 1)).as("entry 0's own redirects, counted after it retired")
                        .isEqualTo(odd);
                assertThat(c.get(TapCounter.PACKETS, 1) + c.get(TapCounter.PACKETS, 2)).isEqualTo(frames);
                assertThat(p.counters().get(TapCounter.ERRORS, 1) + p.counters().get(TapCounter.ERRORS, 2)).isZero();
                assertThat(Capture.sequenceIds(capture.stopWhenQuiet())).isEqualTo(Capture.expectedOnce(sent));
            } finally {
                assertThat(p.shutdown()).as("mbufs in use at shutdown").isZero();
            }
        }
    }

    @Test
    void ringCleanupFreesPlainAndTaggedHandlesByKind() {
        try (Mempool pool = Mempool.create("cleanup", 1023, 0, Mempool.DEFAULT_DATA_ROOM);
                Ring ring = Ring.create("cleanup", 64, Ring.SINGLE_CONSUMER);
                Arena arena = Arena.ofConfined()) {
            HandleArray h = new HandleArray(arena, 40);
            assertThat(Mbuf.allocBulk(pool, h, 40)).isTrue();
            for (int i = 0; i < 40; i += 2) {
                h.set(i, SkbHandle.tag(h.get(i)));
            }
            assertThat(ring.enqueueBurst(h, 0, 40)).isEqualTo(40);
            assertThat(pool.inUse()).isEqualTo(40);
            assertThat(SkbHandle.drainAndFree(ring, new HandleArray(arena, 16))).isEqualTo(40);
            assertThat(pool.inUse()).as("every handle freed once, tagged ones untagged first").isZero();
            assertThat(ring.count()).isZero();
        }
    }

    @Test
    void retiredConsumersKeepTheirCountersAndLanesComeBack() throws Exception {
        eal.attach("net_null1,size=64,copy=0");
        Pipeline p = Pipeline.create(spec("net_null1", false, null), w -> packet -> packet.redirect(0));
        try {
            PacketFilter onward = packet -> packet.redirect(1);
            p.update(1, 256, packet -> Verdict.DROP, CpuMap.ANY);
            p.update(0, 256, onward, CpuMap.ANY);
            p.startRx();
            long before = 0;
            for (int round = 0; round < 5; round++) {
                long floor = before;
                await(() -> p.counters().get(EnqueueCounter.ENQUEUED, 1) > floor + 1000, 10_000);
                p.update(0, 128 << (round % 3), onward, CpuMap.ANY); // replace entry 0 under traffic
                long now = p.counters().get(EnqueueCounter.ENQUEUED, 1);
                assertThat(now).as("enqueues to 1 never go backwards as entry 0 is replaced").isGreaterThanOrEqualTo(before);
                before = now;
            }
            p.map().awaitRetired();
            assertThat(p.counters().get(EnqueueCounter.ENQUEUED, 1)).isGreaterThanOrEqualTo(before);
            assertThat(p.map().cleanedUp()).as("retired rings were drained by their consumers").isZero();
        } finally {
            assertThat(p.shutdown()).as("mbufs in use at shutdown").isZero();
        }
    }

    @Test
    void aBareRedirectIsAbortedAndNeverGoesToThePreviousPacketsTarget() throws Exception {
        eal.attach("net_null2,size=64,copy=0");
        // Every other packet returns REDIRECT without naming a target.
        PacketFilter alternate = new PacketFilter() {
            private boolean named;

            @Override
            public Verdict filter(Packet packet) {
                named = !named;
                return named ? packet.redirect(1) : Verdict.REDIRECT;
            }
        };
        Pipeline p = Pipeline.create(spec("net_null2", false, null), w -> alternate);
        try {
            p.update(1, 512, packet -> Verdict.DROP, CpuMap.ANY);
            p.startRx();
            await(() -> p.counters().get(RxCounter.RX, 0) > 20_000, 10_000);
            p.stopRx();
            long rx = p.counters().get(RxCounter.RX, 0);
            long errors = p.counters().get(RxCounter.REDIRECT_ERRORS, 0);
            assertThat(rx).isGreaterThan(20_000);
            assertThat(errors).as("bare REDIRECTs are redirect errors").isBetween(rx / 2 - 64, rx / 2 + 64);
            assertThat(p.counters().get(RxCounter.REDIRECT, 0)).as("only the named ones reach key 1").isBetween(rx / 2 - 64, rx / 2 + 64);
            assertThat(p.counters().get(RxCounter.ABORTED, 0)).isEqualTo(errors);
        } finally {
            assertThat(p.shutdown()).as("mbufs in use at shutdown").isZero();
        }
    }

    /**
     * The worker calls beginBurst() once per burst: a target-set change is seen by a later burst, and a
     * beginBurst() that throws costs its burst only (every packet ABORTED, counted as an exception), never
     * the worker; every packet still ends in exactly one verdict.
     */
    @Test
    void beginBurstSnapshotsTheTargetSetAndItsThrowCostsOnlyItsBurst() throws Exception {
        eal.attach("net_null4,size=64,copy=0");
        TargetSet targets = TargetSet.of(0);
        PacketFilter noTouch = Filters.create("no-touch", Map.of(), targets);
        PacketFilter everyOtherBurstThrows = new PacketFilter() {
            private int bursts;

            @Override
            public void beginBurst() {
                noTouch.beginBurst();
                if (++bursts % 2 == 0) {
                    throw new IllegalStateException("every other burst");
                }
            }

            @Override
            public Verdict filter(Packet packet) {
                return noTouch.filter(packet);
            }
        };
        Pipeline p = Pipeline.create(spec("net_null4", false, null), w -> everyOtherBurstThrows);
        try {
            p.update(0, 512, packet -> Verdict.DROP, CpuMap.ANY);
            p.update(1, 512, packet -> Verdict.DROP, CpuMap.ANY);
            p.startRx();
            await(() -> p.counters().get(RxCounter.RX, 0) > 20_000, 10_000);
            assertThat(p.counters().get(EnqueueCounter.ENQUEUED, 1)).isZero();
            targets.set(1);
            await(() -> p.counters().get(EnqueueCounter.ENQUEUED, 1) > 1000, 10_000);
            p.stopRx();
            long rx = p.counters().get(RxCounter.RX, 0);
            long exceptions = p.counters().get(RxCounter.EXCEPTIONS, 0);
            assertThat(exceptions).as("about every other burst").isBetween(rx / 3, 2 * rx / 3);
            assertThat(p.counters().get(RxCounter.ABORTED, 0)).isEqualTo(exceptions);
            assertThat(p.counters().get(RxCounter.REDIRECT, 0) + exceptions).as("one verdict per packet").isEqualTo(rx);
        } finally {
            assertThat(p.shutdown()).as("mbufs in use at shutdown").isZero();
        }
    }

    @Test
    void secondStageRedirectCyclesAreRefusedWithEloop() {
        eal.attach("net_null3,size=64,copy=0");
        Pipeline p = Pipeline.create(spec("net_null3", false, null), w -> packet -> Verdict.DROP);
        try {
            PacketFilter to0 = packet -> packet.redirect(0);
            PacketFilter to1 = packet -> packet.redirect(1);
            p.map().update(0, 64, to1, CpuMap.ANY, new int[] {1});
            assertThatThrownBy(() -> p.map().update(1, 64, to0, CpuMap.ANY, new int[] {0}))
                    .isInstanceOfSatisfying(CpuMapException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ELOOP);
                        assertThat(e.getMessage()).contains("1 -> 0 -> 1");
                    });
            assertThat(p.map().entry(1)).as("the refused update built nothing").isNull();
            assertThatThrownBy(() -> p.map().update(1, 64, to1, CpuMap.ANY, new int[] {1}))
                    .isInstanceOfSatisfying(CpuMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ELOOP));
            p.map().update(1, 64, packet -> Verdict.PASS, CpuMap.ANY, new int[0]);
            p.map().update(0, 64, to1, CpuMap.ANY, new int[] {1}); // a chain is fine
        } finally {
            assertThat(p.shutdown()).as("mbufs in use at shutdown").isZero();
        }
    }
}
