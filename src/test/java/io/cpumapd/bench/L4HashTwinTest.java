package io.cpumapd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.packet.Headers;
import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.pcap.PcapReader;
import io.cpumapd.pcap.PcapRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The C reference pipeline's l4-hash ({@code native/include/cpm_bench_headers.h}) against the Java
 * one ({@link Headers}, {@code FlowHash.symmetricPair}, the {@code l4-hash} filter): for every frame
 * the C parser leaves the same 21 header fields as Java's, and the C target equals the Java filter's
 * verdict and key for several target counts. Frames: the bundled mixed capture, more generated mixed
 * traffic, crafted edge frames, every truncation of those, and random corruptions of header bytes.
 */
class L4HashTwinTest {
    private static final String A4 = "198.18.0.1", B4 = "198.19.255.254";
    private static final String A6 = "2001:db8::1", B6 = "2001:db8:ffff::2";

    private final L4HashTwin twin = new L4HashTwin();

    @AfterAll
    static void close() {
        L4HashTwin.close();
    }

    private void compare(String name, byte[] frame) throws Throwable {
        twin.compare(name, frame);
    }

    @Test
    void everyFrameOfTheBundledCaptureGetsTheSameFieldsAndTarget() throws Throwable {
        List<PcapRecord> records = PcapReader.readAll(Path.of("config/mixed-traffic.pcap"));
        assertThat(records).hasSizeGreaterThan(100);
        for (int i = 0; i < records.size(); i++) {
            compare("capture frame " + i, records.get(i).data());
        }
        assertThat(twin.compared()).isEqualTo(records.size());
        // The capture spreads over the targets: a hash that ignored the addresses would not.
        assertThat(twin.targetsSeen()).isGreaterThan(32);
    }

    @Test
    void generatedMixedTrafficOfOtherSeedsAgrees() throws Throwable {
        for (long seed : new long[] {1, 2, 3}) {
            List<byte[]> frames = new MixedTraffic(seed).flows(500).generate(2000);
            for (int i = 0; i < frames.size(); i++) {
                compare("seed " + seed + " frame " + i, frames.get(i));
            }
        }
        assertThat(twin.compared()).isEqualTo(6000);
    }

    @Test
    void craftedEdgeFramesAndEveryTruncationOfThemAgree() throws Throwable {
        Map<String, byte[]> edges = edgeFrames();
        for (Map.Entry<String, byte[]> e : edges.entrySet()) {
            byte[] f = e.getValue();
            for (int len = 0; len <= f.length; len++) {
                compare(e.getKey() + " cut at " + len, Arrays.copyOf(f, len));
            }
        }
        assertThat(twin.passed()).as("runts and cut VLAN tags are PASSed").isPositive();
    }

    @Test
    void everyTruncationOfCapturedFramesAgrees() throws Throwable {
        List<PcapRecord> records = PcapReader.readAll(Path.of("config/mixed-traffic.pcap"));
        for (int i = 0; i < records.size(); i += 7) {
            byte[] f = records.get(i).data();
            for (int len = 0; len <= Math.min(f.length, 120); len++) {
                compare("capture frame " + i + " cut at " + len, Arrays.copyOf(f, len));
            }
        }
    }

    @Test
    void theBenchmarksOwnTrafficAgrees() throws Throwable {
        byte[][] small = BenchFrames.udp(64, RedirectCpuBenchmark.FRAME_BYTES);
        for (int i = 0; i < small.length; i++) {
            compare("small-udp " + i, small[i]);
        }
        for (SegmentTraffic t : List.of(new SegmentTraffic(SegmentTraffic.Kind.TCP, 300, 0, true, false, 1),
                new SegmentTraffic(SegmentTraffic.Kind.TCP, 300, 0, false, true, 1),
                new SegmentTraffic(SegmentTraffic.Kind.UDP, 300, 0, false, false, 1))) {
            for (int i = 0; i < 300; i++) {
                compare(t + " " + i, t.next());
            }
        }
    }

    @Test
    void randomCorruptionOfHeaderBytesAgrees() throws Throwable {
        List<byte[]> seeds = new ArrayList<>(edgeFrames().values());
        seeds.addAll(new MixedTraffic(9).flows(64).generate(64));
        Random rnd = new Random(16);
        for (int i = 0; i < 20_000; i++) {
            byte[] f = seeds.get(rnd.nextInt(seeds.size())).clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = rnd.nextInt(Math.min(f.length, 96));
                // Half the time a value that means something to a parser: a TPID, an EtherType, a version/IHL
                // nibble pair, an extension header number, or an extreme.
                int[] special = {0x81, 0x00, 0x88, 0xa8, 0x08, 0x86, 0xdd, 0x45, 0x4f, 0x40, 0x60, 0x2c, 0x2b, 0x3c,
                        0x06, 0x11, 0x84, 0x3a, 0x01, 0xff, 0x20, 0x50, 0xf0};
                f[at] = (byte) (rnd.nextBoolean() ? special[rnd.nextInt(special.length)] : rnd.nextInt(256));
            }
            compare("corruption " + i, rnd.nextInt(8) == 0 ? Arrays.copyOf(f, rnd.nextInt(f.length + 1)) : f);
        }
    }

    /** Frames at the edges of what the parser accepts. */
    static Map<String, byte[]> edgeFrames() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("tcp4", FrameBuilder.ethernet().ipv4(A4, B4).tcp(40001, 80).build());
        f.put("udp4-reverse", FrameBuilder.ethernet().ipv4(B4, A4).udp(53, 40001).build());
        f.put("icmp4", FrameBuilder.ethernet().ipv4(A4, B4).icmpEcho(7, 1).build());
        f.put("sctp4", FrameBuilder.ethernet().ipv4(A4, B4).rawProtocol(132).payload(new byte[16]).build());
        f.put("gre4", FrameBuilder.ethernet().ipv4(A4, B4).rawProtocol(47).payload(new byte[8]).build());
        f.put("tcp6", FrameBuilder.ethernet().ipv6(A6, B6).tcp(40001, 443).build());
        f.put("icmp6", FrameBuilder.ethernet().ipv6(A6, B6).icmpEcho(1, 2).build());
        f.put("icmp4-over-v6", FrameBuilder.ethernet().ipv6(A6, B6).rawProtocol(1).payload(new byte[8]).build());
        f.put("vlan", FrameBuilder.ethernet().vlan(10).ipv4(A4, B4).udp(1, 2).build());
        f.put("qinq", FrameBuilder.ethernet().qinq(100, 10).ipv6(A6, B6).udp(1, 2).build());
        f.put("three-tags", FrameBuilder.ethernet().vlan(0x88a8, 0, 1).vlan(0x8100, 0, 2).vlan(0x8100, 0, 3)
                .ipv4(A4, B4).udp(1, 2).build());
        f.put("arp", FrameBuilder.ethernet().etherType(0x0806).payload(new byte[28]).build());
        f.put("802.3", FrameBuilder.ethernet().ieee8023().payload(new byte[46]).build());
        f.put("ip-options", FrameBuilder.ethernet().ipv4(A4, B4).ipOptions(new byte[] {1, 1, 1, 1, 1, 1, 1, 0})
                .tcp(1, 2).build());
        f.put("ip-options-max", FrameBuilder.ethernet().ipv4(A4, B4).ipOptions(new byte[40]).udp(1, 2).build());
        f.put("frag4-first", FrameBuilder.ethernet().ipv4(A4, B4).fragment(0, true).udp(1, 2)
                .payload(new byte[32]).build());
        f.put("frag4-later", FrameBuilder.ethernet().ipv4(A4, B4).fragment(64, false).udp(1, 2)
                .payload(new byte[32]).build());
        f.put("frag4-later-more", FrameBuilder.ethernet().ipv4(A4, B4).fragment(8, true).tcp(1, 2)
                .payload(new byte[32]).build());
        f.put("frag6-first", FrameBuilder.ethernet().ipv6(A6, B6).fragment(0, true).udp(1, 2)
                .payload(new byte[32]).build());
        f.put("frag6-later", FrameBuilder.ethernet().ipv6(A6, B6).fragment(64, false).udp(1, 2)
                .payload(new byte[32]).build());
        f.put("frag6-atomic", FrameBuilder.ethernet().ipv6(A6, B6).fragment(0, false).udp(1, 2).build());
        f.put("hbh", FrameBuilder.ethernet().ipv6(A6, B6).hopByHop().tcp(1, 2).build());
        f.put("udp4-padded", FrameBuilder.ethernet().ipv4(A4, B4).udp(1, 2).build()); // 60-byte minimum: padding
        f.put("ihl-4", patch(FrameBuilder.ethernet().ipv4(A4, B4).udp(1, 2).build(), 14, 0x44));
        f.put("ihl-15", patch(FrameBuilder.ethernet().ipv4(A4, B4).udp(1, 2).build(), 14, 0x4f));
        f.put("version-5", patch(FrameBuilder.ethernet().ipv4(A4, B4).udp(1, 2).build(), 14, 0x55));
        f.put("version-4-in-v6-type", patch(FrameBuilder.ethernet().ipv6(A6, B6).udp(1, 2).build(), 14, 0x45));
        byte[] shortTotal = FrameBuilder.ethernet().ipv4(A4, B4).udp(1, 2).payload(new byte[40]).build();
        f.put("total-below-ihl", patch(patch(shortTotal, 16, 0), 17, 19));
        f.put("total-cuts-udp", patch(patch(shortTotal, 16, 0), 17, 24));
        f.put("total-beyond-frame", patch(patch(shortTotal, 16, 0x20), 17, 0));
        byte[] tcp = FrameBuilder.ethernet().ipv4(A4, B4).tcp(1, 2).build();
        f.put("tcp-doff-4", patch(tcp, 14 + 20 + 12, 0x40));
        f.put("tcp-doff-15", patch(tcp, 14 + 20 + 12, 0xf0));
        f.put("v6-jumbo", patch(patch(FrameBuilder.ethernet().ipv6(A6, B6).udp(1, 2).build(), 18, 0), 19, 0));
        f.put("v6-plen-short", patch(patch(FrameBuilder.ethernet().ipv6(A6, B6).tcp(1, 2).build(), 18, 0), 19, 10));
        f.put("v6-routing-dstopts", v6Chain(new int[][] {{43, 1}, {60, 0}}, 17));
        f.put("v6-dstopts-frag-later", v6Chain(new int[][] {{60, 0}, {44, -64}}, 6));
        f.put("v6-frag-first-then-dstopts", v6Chain(new int[][] {{44, 1}, {60, 0}}, 58));
        f.put("v6-eight-ext", v6Chain(new int[][] {{0, 0}, {60, 0}, {60, 0}, {60, 0}, {43, 0}, {60, 0}, {60, 0},
                {60, 0}}, 17));
        f.put("v6-nine-ext", v6Chain(new int[][] {{0, 0}, {60, 0}, {60, 0}, {60, 0}, {43, 0}, {60, 0}, {60, 0},
                {60, 0}, {60, 0}}, 17));
        f.put("v6-ext-overrun", patch(v6Chain(new int[][] {{60, 0}}, 17), 14 + 40 + 1, 30));
        return f;
    }

    private static byte[] patch(byte[] frame, int at, int value) {
        byte[] f = frame.clone();
        f[at] = (byte) value;
        return f;
    }

    /**
     * IPv6 with extension headers {type, length units} (a fragment header's "length" is its
     * offset field: negative for a later fragment, 1 for "more fragments"), then an 8-byte
     * upper-layer header of {@code upper} (UDP-sized; ports 1 and 2).
     */
    private static byte[] v6Chain(int[][] ext, int upper) {
        List<Byte> bytes = new ArrayList<>();
        for (int i = 0; i < ext.length; i++) {
            int next = i + 1 < ext.length ? ext[i + 1][0] : upper;
            int type = ext[i][0];
            int units = type == 44 ? 0 : ext[i][1];
            byte[] h = new byte[(units + 1) * 8];
            h[0] = (byte) next;
            if (type == 44) {
                int offsetAndFlags = ext[i][1] < 0 ? (-ext[i][1] / 8) << 3 : ext[i][1];
                h[2] = (byte) (offsetAndFlags >>> 8);
                h[3] = (byte) offsetAndFlags;
            } else {
                h[1] = (byte) units;
            }
            for (byte b : h) {
                bytes.add(b);
            }
        }
        byte[] l4 = {0, 1, 0, 2, 0, 8, 0, 0};
        for (byte b : l4) {
            bytes.add(b);
        }
        byte[] payload = new byte[bytes.size()];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = bytes.get(i);
        }
        return FrameBuilder.ethernet().ipv6(A6, B6).rawProtocol(ext[0][0]).payload(payload).build();
    }
}
