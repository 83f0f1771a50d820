package io.cpumapd.gso;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.testkit.Frames;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.RingPort;
import io.cpumapd.worker.TapDelivery;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import io.cpumapd.pcap.PcapRecord;
import io.cpumapd.testkit.Capture;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge decisions of {@link Gro}, through the consumer's real {@link TapDelivery} into a real
 * TAP in a namespace: what one round passes is flushed, and the kernel's own count of what it
 * received on the TAP (rx_packets, rx_bytes: a GSO frame is one packet of all its bytes) must match
 * the frames cpumapd says it wrote. Segments come from a builder of this test with their own
 * checksums; the mempool is full after every case.
 */
class GroTest {
    private static final byte[] PEER_MAC = {2, 0, 0, 0x16, 0x67, 2};
    private static final byte[] PEER4 = {(byte) 198, 19, 16, 2};
    private static final byte[] HOST4 = {(byte) 198, 19, 16, 1};
    private static final byte[] PEER6 = v6(2);
    private static final byte[] HOST6 = v6(1);
    private static final int MSS = 1000;

    static RingPort ring;
    static Mempool pool;
    static NetNamespace ns;
    static TapDevice tap;
    Arena arena;
    TapDelivery delivery;
    long rxPackets;
    long rxBytes;
    long[] before;

    @BeforeAll
    static void start() {
        ring = RingPort.start("gro_test");
        pool = ring.pool();
        String name = "t16g" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));
        // Offloads: the TAP takes USO (kernel 6.2+), so UDP datagrams merge too.
        tap = TapDevice.create(TapOptions.builder(name).offloads(true).build());
        ns = NetNamespace.create("n16g");
        ns.moveLink(tap.name());
        ns.exec("ip", "addr", "add", "198.19.16.1/24", "dev", tap.name());
        ns.exec("ip", "-6", "addr", "add", "2001:db8:16::1/64", "dev", tap.name(), "nodad");
        ns.exec("ip", "link", "set", "dev", tap.name(), "up");
    }

    @AfterAll
    static void stop() {
        if (tap != null) {
            tap.close();
        }
        if (ns != null) {
            ns.close();
        }
        ring.close();
    }

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        delivery = new TapDelivery(tap, 0, 128, arena);
        delivery.gro(true);
        rxPackets = stat("rx_packets");
        rxBytes = stat("rx_bytes");
        before = snapshot();
    }

    @AfterEach
    void tearDown() {
        arena.close();
        assertThat(pool.inUse()).as("mbufs leaked").isZero();
    }

    // ---- cases ----

    @Test
    void inOrderSegmentsOfOneFlowBecomeOneGsoFrameOverIpv4AndIpv6() {
        List<byte[]> v4 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            v4.add(seg().seq(i).build());
        }
        round(v4);
        expect(1, 10, 1);
        assertKernelGot(1, 14 + 20 + 32 + 10 * MSS);

        reset();
        List<byte[]> v6 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            v6.add(seg().ipv6().seq(i).build());
        }
        round(v6);
        expect(1, 10, 1);
        assertKernelGot(1, 14 + 40 + 32 + 10 * MSS);
    }

    @Test
    void outOfOrderAndRetransmittedSegmentsAreNeverInOneFrame() {
        round(List.of(seg().seq(0).build(), seg().seq(1).build(), seg().seq(3).build(), seg().seq(2).build()));
        expect(3, 2, 1); // [0 1] [3] [2]
        assertKernelGot(3, -1);
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).build(), seg().seq(1).build(), seg().seq(2).build()));
        expect(2, 4, 2); // [0 1] [1 2]: the retransmission starts a flow of its own
        assertThat(flushes(TapCounter.GRO_FLUSH_MISMATCH)).isEqualTo(1);
    }

    @Test
    void segmentsWithOtherFlagsGoAloneAndEndTheFlowBeforeThem() {
        int[] others = {0x01 | 0x10, 0x02 | 0x10, 0x04 | 0x10, 0x20 | 0x10, 0x40 | 0x10, 0x80 | 0x10, 0x02};
        for (int flags : others) {
            reset();
            round(List.of(seg().seq(0).build(), seg().seq(1).build(), seg().seq(2).flags(flags).build(),
                    seg().seq(3).build()));
            expect(3, 2, 1); // [0 1] [2 alone] [3]
            assertKernelGot(3, -1);
        }
        // PSH joins and ends the frame, as in the kernel.
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).build(), seg().seq(2).flags(0x18).build(),
                seg().seq(3).build()));
        expect(2, 3, 1);
        assertThat(flushes(TapCounter.GRO_FLUSH_FLOW_END)).isEqualTo(1);
    }

    @Test
    void otherOptionsOtherAckOrOtherIpFieldsSplitTheFlow() {
        round(List.of(seg().seq(0).build(), seg().seq(1).build(), seg().seq(2).tsVal(99).build()));
        expect(2, 2, 1);
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).ack(7).build()));
        expect(2, 0, 0);
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).ttl(5).build()));
        expect(2, 0, 0);
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).tos(4).build()));
        expect(2, 0, 0);
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).noDf().build()));
        expect(2, 0, 0);
        reset();
        // Without DF the ids must count up; with DF they do not matter (RFC 6864).
        round(List.of(seg().seq(0).noDf().id(10).build(), seg().seq(1).noDf().id(11).build(),
                seg().seq(2).noDf().id(11).build()));
        expect(2, 2, 1);
        reset();
        round(List.of(seg().seq(0).ipv6().build(), seg().seq(1).ipv6().flowLabel(5).build()));
        expect(2, 0, 0);
        reset();
        // A short segment ends the frame; a longer one cannot follow.
        round(List.of(seg().seq(0).build(), seg().seq(1).len(500).build(), seg().at(2L * MSS + 500).build(),
                seg().at(3L * MSS + 500).len(MSS + 10).build()));
        expect(3, 2, 1);
        assertKernelGot(3, -1);
    }

    @Test
    void ipv4OptionsVlanTagsAndChainsAreNeverMerged() {
        List<byte[]> f = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            f.add(seg().seq(i).ipOptions().build());
        }
        round(f);
        expect(4, 0, 0);
        assertKernelGot(4, -1);
        reset();
        f.clear();
        for (int i = 0; i < 4; i++) {
            f.add(seg().seq(i).vlan(16).build());
        }
        round(f);
        expect(4, 0, 0);
        reset();
        // A tag the NIC stripped (RX_VLAN) is not in the data: still not merged.
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ms.add(mbuf(seg().seq(i).build(), OlFlags.RX_VLAN | OlFlags.RX_VLAN_STRIPPED));
        }
        roundOf(ms);
        expect(4, 0, 0);
    }

    @Test
    void badChecksumsAreNeverMergedAndNicVerdictsAreTrusted() {
        round(List.of(seg().seq(0).build(), seg().seq(1).badTcpChecksum().build(), seg().seq(2).build(),
                seg().seq(3).build()));
        expect(3, 2, 1); // [0] [1 alone, bad] [2 3]
        assertThat(delta(TapCounter.GRO_BAD_CHECKSUM)).isEqualTo(1);
        reset();
        round(List.of(seg().seq(0).build(), seg().seq(1).badIpChecksum().build(), seg().seq(2).build()));
        expect(3, 0, 0);
        assertThat(delta(TapCounter.GRO_BAD_CHECKSUM)).isEqualTo(1);
        reset();
        round(List.of(seg().ipv6().seq(0).build(), seg().ipv6().seq(1).badTcpChecksum().build()));
        expect(2, 0, 0);
        reset();
        // The NIC said bad, though the bytes are right: not merged.
        roundOf(List.of(mbuf(seg().seq(0).build(), 0), mbuf(seg().seq(1).build(), OlFlags.RX_L4_CKSUM_BAD)));
        expect(2, 0, 0);
        reset();
        // The NIC said good: no check here (its verdict is the contract), and merged.
        roundOf(List.of(mbuf(seg().seq(0).build(), OlFlags.RX_L4_CKSUM_GOOD | OlFlags.RX_IP_CKSUM_GOOD),
                mbuf(seg().seq(1).build(), OlFlags.RX_L4_CKSUM_GOOD | OlFlags.RX_IP_CKSUM_GOOD)));
        expect(1, 2, 1);
    }

    @Test
    void interleavedFlowsStillMergeAndTheLimitsFlush() {
        List<byte[]> f = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            for (int flow = 0; flow < 3; flow++) {
                f.add(seg().port(40000 + flow).seq(i).build());
            }
        }
        f.add(udp());
        round(f);
        expect(4, 18, 3);
        assertKernelGot(4, -1);
        reset();
        f.clear();
        for (int i = 0; i < 70; i++) {
            f.add(seg().seq(i).build());
        }
        round(f);
        expect(2, 70, 2);
        assertThat(flushes(TapCounter.GRO_FLUSH_LIMIT)).isEqualTo(1);
        reset();
        f.clear();
        for (int flow = 0; flow < Gro.MAX_FLOWS + 1; flow++) {
            f.add(seg().port(41000 + flow).seq(0).build());
        }
        f.add(seg().port(41000).seq(1).build());
        round(f);
        // The ninth flow evicts flow 0, whose second segment then finds no flow and evicts flow 1.
        assertThat(flushes(TapCounter.GRO_FLUSH_EVICTED)).isEqualTo(2);
        expect(Gro.MAX_FLOWS + 2, 0, 0);
    }

    @Test
    void theKernelGetsEveryByteOnceInItsPlaceAcrossSeveralFramesOfAFlowInOneRound(@TempDir Path dir)
            throws Exception {
        // Flow A's 70 segments in one round: two GSO frames of one flow pending in the injector at once.
        List<byte[]> first = new ArrayList<>();
        List<byte[]> second = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            first.add(seg().seq(i).build());
            byte[] b = seg().ipv6().port(40001).seq(i).len(i == 69 ? 300 : MSS).build();
            (i < 58 ? first : second).add(b);
        }
        List<PcapRecord> got;
        try (Capture capture = Capture.start(ns, tap.name(), dir.resolve("in.pcap"))) {
            round(first);
            round(second);
            got = capture.stopWhenQuiet();
        }
        expect(4, 140, 4); // A: [64] [6]; B: [58], then [12] in the second round
        assertThat(got).hasSize(4);
        Map<Integer, Long> bytesByPort = new HashMap<>();
        for (PcapRecord r : got) {
            byte[] b = r.data();
            assertThat(r.truncated()).isFalse();
            boolean v6 = Frames.u16(b, 12) == 0x86DD;
            int l4 = v6 ? 54 : 34;
            int end = v6 ? l4 + Frames.u16(b, 18) : 14 + Frames.u16(b, 16);
            assertThat(end).as("IP length of a %d-byte frame", b.length).isEqualTo(b.length);
            if (!v6) {
                assertThat(Frames.sum(b, 14, 20, 0)).as("IPv4 header checksum").isEqualTo(0xFFFF);
            }
            long seq = Frames.u32(b, l4 + 4);
            int payloadAt = l4 + (b[l4 + 12] >> 4 & 0xF) * 4;
            for (int k = payloadAt; k < end; k++) {
                assertThat(b[k]).as("byte %d of the stream", seq + k - payloadAt).isEqualTo((byte) (seq + k - payloadAt));
            }
            int port = Frames.u16(b, l4);
            assertThat(seq).as("frames of port %d in order", port).isEqualTo(bytesByPort.getOrDefault(port, 0L));
            bytesByPort.merge(port, (long) (end - payloadAt), Long::sum);
        }
        assertThat(bytesByPort).containsEntry(40000, 70L * MSS).containsEntry(40001, 69L * MSS + 300);
    }

    @Test
    void equalSizedDatagramsOfAFlowBecomeOneUdpGsoFrameAndEveryDatagramReachesTheSocket() throws Exception {
        assertThat(tap.offloads() & TapDevice.TUN_F_USO4).as("this kernel takes USO").isNotZero();
        try (DatagramChannel socket = ns.runInside(() -> {
            DatagramChannel c = DatagramChannel.open();
            c.bind(new InetSocketAddress("198.19.16.1", 9999));
            c.configureBlocking(false);
            return c;
        })) {
            List<byte[]> f = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                f.add(datagram(i, i == 9 ? 300 : 1200, false));
            }
            f.add(datagram(10, 1200, false)); // bigger than the short one: a flow of its own
            f.add(datagram(11, 1200, true));  // bad checksum: alone, and the kernel drops it
            f.add(datagram(12, 1200, false));
            round(f);
            expect(4, 10, 1); // [0..9] [10] [11 alone] [12]
            assertThat(delta(TapCounter.GRO_BAD_CHECKSUM)).isEqualTo(1);
            assertKernelGot(4, -1);
            List<Integer> got = new ArrayList<>();
            ByteBuffer b = ByteBuffer.allocate(2048);
            long end = System.nanoTime() + 5_000_000_000L;
            while (got.size() < 12 && System.nanoTime() < end) {
                b.clear();
                if (socket.receive(b) == null) {
                    Thread.sleep(5);
                    continue;
                }
                b.flip();
                int i = b.get(0);
                for (int k = 0; k < b.limit(); k++) {
                    assertThat(b.get(k)).as("byte %d of datagram %d", k, i).isEqualTo((byte) (k == 0 ? i : i + k));
                }
                assertThat(b.limit()).isEqualTo(i == 9 ? 300 : 1200);
                got.add(i);
            }
            assertThat(got).as("datagrams the socket received, in order").containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                    10, 12);
        }
    }

    private static byte[] datagram(int i, int payload, boolean badChecksum) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        b.put(tap.macAddress()).put(PEER_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload)).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(PEER4).put(HOST4);
        b.putShort((short) 5000).putShort((short) 9999).putShort((short) (8 + payload)).putShort((short) 0);
        b.put((byte) i);
        for (int k = 1; k < payload; k++) {
            b.put((byte) (i + k));
        }
        byte[] f = b.array();
        int c = ~Frames.sum(f, 14, 20, 0) & 0xFFFF;
        f[24] = (byte) (c >> 8);
        f[25] = (byte) c;
        int u = ~Frames.sum(f, 34, 8 + payload, Frames.sum(f, 26, 8, 0) + 17 + 8 + payload) & 0xFFFF;
        u = (u == 0 ? 0xFFFF : u) ^ (badChecksum ? 0x10 : 0);
        f[40] = (byte) (u >> 8);
        f[41] = (byte) u;
        return f;
    }

    @Test
    void skbModeFramesWhoseHeaderTheRxCoreBuiltMergeTheSame() {
        for (int i = 0; i < 10; i++) {
            long m = mbuf(seg().seq(i).build(), 0);
            Frames.vnetHeader(m, 0, 0, 0, 0, 0); // what the RX core's SkBuff left in the metadata area
            assertThat(delivery.passBuilt(m)).isTrue();
        }
        long alone = mbuf(seg().seq(10).flags(0x11).build(), 0); // FIN: alone, with its own header
        Frames.vnetHeader(alone, 0, 0, 0, 0, 0);
        assertThat(delivery.passBuilt(alone)).isTrue();
        assertThat(delivery.flush()).isZero();
        expect(2, 10, 1);
        assertKernelGot(2, 14 + 20 + 32 + 10 * MSS + 14 + 20 + 32 + MSS);
    }

    @Test
    void mergingAllocatesNothingPerPacket() {
        // 64 frames of 4 interleaved flows (one with a bad checksum every 16th, one UDP), written into
        // mbufs from native memory: the loop itself allocates nothing, so any byte counted is GRO's.
        int n = 64;
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int flow = i % 4;
            frames.add(flow == 3 ? datagram(i, 1200, false)
                    : seg().port(42000 + flow).seq(i / 4).tsVal(1).build());
        }
        frames.set(17, seg().port(42001).seq(4).badTcpChecksum().build());
        java.lang.foreign.MemorySegment src = arena.allocate(2048L * n, 64);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            java.lang.foreign.MemorySegment.copy(frames.get(i), 0, src, java.lang.foreign.ValueLayout.JAVA_BYTE,
                    2048L * i, frames.get(i).length);
            lengths[i] = frames.get(i).length;
        }
        io.cpumapd.dpdk.HandleArray h = new io.cpumapd.dpdk.HandleArray(arena, n);
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = 0;
        for (int r = 0; r < 3000; r++) {
            if (r == 2000) {
                before = mx.getCurrentThreadAllocatedBytes();
            }
            if (!Mbuf.allocBulk(pool, h, n)) {
                throw new IllegalStateException("mempool empty");
            }
            for (int i = 0; i < n; i++) {
                long m = h.get(i);
                java.lang.foreign.MemorySegment.copy(src, 2048L * i, io.cpumapd.dpdk.Native.ALL,
                        Mbuf.dataAddress(m), lengths[i]);
                Mbuf.setLength(m, lengths[i]);
                Mbuf.setPort(m, 0);
                Mbuf.setOlFlags(m, 0);
                delivery.pass(m);
            }
            delivery.flush();
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(delta(TapCounter.GRO_FRAMES)).as("it merged").isGreaterThan(3000);
        // Per packet would be at least 16 bytes each (64 k packets: 1 MiB); a one-off (a JIT transition
        // in the test's loop) is a few hundred bytes: under one byte per packet is none per packet.
        assertThat(allocated).as("bytes allocated over 1000 rounds of 64 packets").isLessThan(1000L * n);
    }

    @Test
    void offTheSameSegmentsGoOneByOne() {
        delivery.gro(false);
        List<byte[]> f = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            f.add(seg().seq(i).build());
        }
        round(f);
        expect(10, 0, 0);
        assertKernelGot(10, 10L * (14 + 20 + 32 + MSS));
    }

    // ---- harness ----

    private void round(List<byte[]> frames) {
        List<Long> ms = new ArrayList<>();
        for (byte[] f : frames) {
            ms.add(mbuf(f, 0));
        }
        roundOf(ms);
    }

    private void roundOf(List<Long> mbufs) {
        for (long m : mbufs) {
            assertThat(delivery.pass(m)).isTrue();
        }
        assertThat(delivery.flush()).as("refused by the TAP").isZero();
    }

    private static long mbuf(byte[] frame, long olFlags) {
        long m = Frames.chain(pool, frame);
        Mbuf.setOlFlags(m, olFlags);
        Mbuf.setPort(m, 0);
        return m;
    }

    private void reset() {
        rxPackets = stat("rx_packets");
        rxBytes = stat("rx_bytes");
        before = snapshot();
    }

    private long[] snapshot() {
        CounterBlock b = delivery.counters().block();
        long[] s = new long[TapCounter.values().length];
        for (int i = 0; i < s.length; i++) {
            s[i] = b.get(i);
        }
        return s;
    }

    private long delta(TapCounter c) {
        return delivery.counters().block().get(c.ordinal()) - before[c.ordinal()];
    }

    private long flushes(TapCounter c) {
        return delta(c);
    }

    /** Frames written, segments merged into GSO frames, GSO frames. */
    private void expect(int frames, int merged, int gsoFrames) {
        assertThat(delta(TapCounter.PACKETS)).as("frames written").isEqualTo(frames);
        assertThat(delta(TapCounter.GRO_SEGMENTS)).as("segments merged").isEqualTo(merged);
        assertThat(delta(TapCounter.GRO_FRAMES)).as("GSO frames").isEqualTo(gsoFrames);
        assertThat(delta(TapCounter.ERRORS)).as("refused").isZero();
    }

    /** The kernel's own count on the TAP; bytes checked unless -1. */
    private void assertKernelGot(int packets, long bytes) {
        assertThat(stat("rx_packets") - rxPackets).as("packets the kernel received on the TAP").isEqualTo(packets);
        if (bytes >= 0) {
            assertThat(stat("rx_bytes") - rxBytes).as("bytes the kernel received on the TAP").isEqualTo(bytes);
        }
    }

    private static long stat(String field) {
        return Long.parseLong(ns.exec("cat", "/sys/class/net/" + tap.name() + "/statistics/" + field).strip());
    }

    private static byte[] v6(int last) {
        byte[] a = new byte[16];
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        a[5] = 0x16;
        a[15] = (byte) last;
        return a;
    }

    private static byte[] udp() {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 100);
        b.put(tap.macAddress()).put(PEER_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 128).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(PEER4).put(HOST4);
        b.putShort((short) 5000).putShort((short) 9).putShort((short) 108).putShort((short) 0);
        byte[] f = b.array();
        int c = ~Frames.sum(f, 14, 20, 0) & 0xFFFF;
        f[24] = (byte) (c >> 8);
        f[25] = (byte) c;
        return f;
    }

    static Seg seg() {
        return new Seg();
    }

    /** A TCP segment of the test's flow with Linux's timestamp option, every checksum right unless told. */
    static final class Seg {
        boolean ipv6;
        int srcPort = 40000;
        long seq;
        long ack = 1;
        int flags = 0x10;
        int tsVal = 1;
        int ttl = 64;
        int tos;
        int id = -1;
        boolean df = true;
        int flowLabel;
        int len = MSS;
        boolean ipOptions;
        int vlan = -1;
        boolean badTcp;
        boolean badIp;

        Seg ipv6() {
            ipv6 = true;
            return this;
        }

        Seg port(int p) {
            srcPort = p;
            return this;
        }

        /** The {@code i}-th full segment. */
        Seg seq(int i) {
            seq = (long) i * MSS;
            if (id < 0) {
                id = i;
            }
            return this;
        }

        Seg at(long byteOffset) {
            seq = byteOffset;
            return this;
        }

        Seg ack(long a) {
            ack = a;
            return this;
        }

        Seg flags(int f) {
            flags = f;
            return this;
        }

        Seg tsVal(int v) {
            tsVal = v;
            return this;
        }

        Seg ttl(int t) {
            ttl = t;
            return this;
        }

        Seg tos(int t) {
            tos = t;
            return this;
        }

        Seg id(int i) {
            id = i;
            return this;
        }

        Seg noDf() {
            df = false;
            return this;
        }

        Seg flowLabel(int l) {
            flowLabel = l;
            return this;
        }

        Seg len(int l) {
            len = l;
            return this;
        }

        Seg ipOptions() {
            ipOptions = true;
            return this;
        }

        Seg vlan(int vid) {
            vlan = vid;
            return this;
        }

        Seg badTcpChecksum() {
            badTcp = true;
            return this;
        }

        Seg badIpChecksum() {
            badIp = true;
            return this;
        }

        byte[] build() {
            int tcpLen = 32 + len;
            int ipHeader = ipv6 ? 40 : (ipOptions ? 24 : 20);
            int l2 = vlan >= 0 ? 18 : 14;
            ByteBuffer b = ByteBuffer.allocate(l2 + ipHeader + tcpLen);
            b.put(tap.macAddress()).put(PEER_MAC);
            if (vlan >= 0) {
                b.putShort((short) 0x8100).putShort((short) vlan);
            }
            b.putShort((short) (ipv6 ? 0x86DD : 0x0800));
            int l3 = b.position();
            if (ipv6) {
                b.putInt(6 << 28 | tos << 20 | flowLabel).putShort((short) tcpLen).put((byte) 6).put((byte) ttl)
                        .put(PEER6).put(HOST6);
            } else {
                b.put((byte) (0x40 | ipHeader / 4)).put((byte) tos).putShort((short) (ipHeader + tcpLen))
                        .putShort((short) Math.max(id, 0)).putShort((short) (df ? 0x4000 : 0)).put((byte) ttl)
                        .put((byte) 6).putShort((short) 0).put(PEER4).put(HOST4);
                if (ipOptions) {
                    b.put(new byte[] {1, 1, 1, 0}); // NOP NOP NOP EOL
                }
            }
            int l4 = b.position();
            b.putShort((short) srcPort).putShort((short) 5201).putInt((int) seq).putInt((int) ack)
                    .put((byte) (8 << 4)).put((byte) flags).putShort((short) 502).putShort((short) 0)
                    .putShort((short) 0);
            b.put(new byte[] {1, 1, 8, 10}).putInt(tsVal).putInt(77);
            for (int i = 0; i < len; i++) {
                b.put((byte) (seq + i));
            }
            byte[] f = b.array();
            if (!ipv6) {
                put16(f, l3 + 10, ~Frames.sum(f, l3, ipHeader, 0) & 0xFFFF ^ (badIp ? 1 : 0));
            }
            int pseudo = ipv6 ? Frames.sum(f, l3 + 8, 32, 0) : Frames.sum(f, l3 + 12, 8, 0);
            int c = ~Frames.sum(f, l4, tcpLen, pseudo + 6 + tcpLen) & 0xFFFF;
            put16(f, l4 + 16, c ^ (badTcp ? 0x100 : 0));
            return f;
        }

        private static void put16(byte[] f, int at, int v) {
            f[at] = (byte) (v >> 8);
            f[at + 1] = (byte) v;
        }
    }
}
