package io.cpumapd.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.testkit.Capture;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.TestEal;
import io.cpumapd.testkit.TestPipeline;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path: a mixed capture replayed by net_pcap, an RX filter that spreads by frame length
 * over two cpumap entries, consumers building SkBuffs and injecting into a real multi-queue TAP
 * that lives in a test network namespace, and tcpdump in that namespace capturing what the kernel
 * received: every frame exactly once, the split as expected, the mempool full at the end.
 */
class PipelineTapEndToEndTest {
    private static final int FRAMES = 1000;

    @TempDir
    Path dir;
    static Eal eal;

    @org.junit.jupiter.api.BeforeAll
    static void startEal() {
        eal = TestEal.start();
    }

    @org.junit.jupiter.api.AfterAll
    static void stopEal() {
        eal.close();
    }
    final List<TapDelivery> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A 4-queue vnet_hdr TAP, moved into {@code ns} and up there (a move brings a link down). */
    private static TapDevice upInside(NetNamespace ns, String prefix) {
        String name = prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        TapDevice tap = TapDevice.create(TapOptions.builder(name).queues(4).vnetHdr(true).build());
        try {
            ns.moveLink(tap.name());
            ns.exec("ip", "link", "set", tap.name(), "up");
            return tap;
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    private TapDelivery track(TapDelivery d) {
        deliveries.add(d);
        return d;
    }

    @Test
    void everyFrameReachesTheKernelExactlyOnce() throws Exception {
        try (NetNamespace ns = NetNamespace.create("cpumapd-e2e");
                TapDevice tap = upInside(ns, "cpme2e");
                Arena arena = Arena.ofShared()) {
            ns.exec("ip", "link", "set", "lo", "up");
            ns.exec("ip", "addr", "add", "198.18.0.1/24", "dev", tap.name());
            ns.exec("ip", "-6", "addr", "add", "2001:db8::1/64", "dev", tap.name(), "nodad");

            String mac = HexFormat.ofDelimiter(":").formatHex(tap.macAddress());
            MixedTraffic traffic = new MixedTraffic(11).dstMac(mac).dstIpv4("198.18.0.1").dstIpv6("2001:db8::1");
            List<byte[]> frames = traffic.generate(FRAMES);
            Path in = dir.resolve("in.pcap");
            traffic.writePcap(in, FRAMES);
            long even = frames.stream().filter(f -> (f.length & 1) == 0).count();

            Capture capture = Capture.start(ns, tap.name(), dir.resolve("out.pcap"));

            {
                eal.attach("net_pcap1,rx_pcap=" + in);
                TestPipeline p = new TestPipeline("net_pcap1", packet -> packet.redirect(packet.length() & 1), 2, 8,
                        "backoff", i -> track(new TapDelivery(tap, i % tap.queueCount(), 32, arena)));
                try {
                    p.map.update(0, 2048, null, CpuMap.ANY);
                    p.map.update(1, 2048, null, CpuMap.ANY);
                    p.startRx();
                    p.awaitRx(FRAMES, 20_000);
                    long end = System.currentTimeMillis() + 10_000;
                    while (p.consumer(0, ConsumerCounter.PROCESSED) + p.consumer(1, ConsumerCounter.PROCESSED) < FRAMES
                            && System.currentTimeMillis() < end) {
                        Thread.sleep(10);
                    }
                    p.stopRx();
                    p.map.close();
                    assertThat(p.rx(RxCounter.RX)).isEqualTo(FRAMES);
                    assertThat(p.consumer(0, ConsumerCounter.PASS)).as("entry 0: even lengths").isEqualTo(even);
                    assertThat(p.consumer(1, ConsumerCounter.PASS)).as("entry 1: odd lengths").isEqualTo(FRAMES - even);
                    assertThat(deliveries.stream().mapToLong(d -> d.counters().packets()).sum()).as("injected")
                            .isEqualTo(FRAMES);
                    assertThat(deliveries.stream().mapToLong(d -> d.counters().errors()).sum()).as("errors").isZero();
                } finally {
                    p.close(); // mempool back to full
                }
            }
            assertThat(Capture.sequenceIds(capture.stopWhenQuiet())).as("sequence ids captured in the namespace")
                    .isEqualTo(Capture.expectedOnce(frames));
        }
    }

    @Test
    void truncatedAndMalformedFramesAreInjectedOrCountedNeverCrash() throws Exception {
        try (NetNamespace ns = NetNamespace.create("cpumapd-bad");
                TapDevice tap = upInside(ns, "cpmbad");
                Arena arena = Arena.ofShared()) {
            // Every cut of a TCP/IPv6 frame in a VLAN, plus a few frames of garbage.
            byte[] whole = FrameBuilder.ethernet().vlan(7).ipv6("2001:db8::2", "2001:db8::1").tcp(50000, 50001)
                    .sequencedPayload(1, 40).build();
            List<byte[]> frames = new java.util.ArrayList<>();
            for (int cut = 1; cut <= whole.length; cut++) {
                frames.add(FrameBuilder.truncate(whole, cut));
            }
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < 50; i++) {
                byte[] junk = new byte[1 + random.nextInt(200)];
                random.nextBytes(junk);
                frames.add(junk);
            }
            long tooShort = frames.stream().filter(f -> f.length < 14).count();
            Path in = dir.resolve("bad.pcap");
            try (io.cpumapd.pcap.PcapWriter w = new io.cpumapd.pcap.PcapWriter(in)) {
                for (byte[] f : frames) {
                    w.write(f, 0);
                }
            }
            {
                eal.attach("net_pcap2,rx_pcap=" + in);
                TestPipeline p = new TestPipeline("net_pcap2", packet -> packet.redirect(0), 1, 8, "backoff",
                        i -> track(new TapDelivery(tap, i % tap.queueCount(), 32, arena)));
                try {
                    p.map.update(0, 1024, null, CpuMap.ANY);
                    p.startRx();
                    p.awaitRx(frames.size(), 20_000);
                    long end = System.currentTimeMillis() + 10_000;
                    while (p.consumer(0, ConsumerCounter.PROCESSED) < frames.size() && System.currentTimeMillis() < end) {
                        Thread.sleep(10);
                    }
                    p.stopRx();
                    p.map.close();
                    long injected = deliveries.stream().mapToLong(d -> d.counters().packets()).sum();
                    long refused = deliveries.stream().mapToLong(d -> d.counters().errors()).sum();
                    assertThat(p.rx(RxCounter.RX)).isEqualTo(frames.size());
                    assertThat(p.consumer(0, ConsumerCounter.PASS)).isEqualTo(frames.size());
                    assertThat(deliveries.stream().mapToLong(TapDelivery::tooShort).sum()).isEqualTo(tooShort);
                    assertThat(p.consumer(0, ConsumerCounter.DROPS)).as("too short + refused by the TAP")
                            .isEqualTo(tooShort + refused);
                    assertThat(injected + refused).isEqualTo(frames.size() - tooShort);
                    assertThat(injected).as("frames of 14 bytes or more are taken as the kernel would")
                            .isGreaterThanOrEqualTo(frames.size() - tooShort - refused).isPositive();
                } finally {
                    p.close(); // mempool back to full
                }
            }
        }
    }
}
