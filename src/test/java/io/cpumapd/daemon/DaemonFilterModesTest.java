package io.cpumapd.daemon;

import static io.cpumapd.daemon.FilterDaemons.enqueue;
import static io.cpumapd.daemon.FilterDaemons.rx;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.filter.Filters;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.PcapWriter;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.NetNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every program mode of the kernel sample (plus {@code acl} and {@code rate-limit}) through the real
 * daemon: {@code cpumapd run} in its own process, one daemon per mode with the mode in its
 * configuration, replaying a finite capture ({@code net_pcap} without {@code infinite_rx}, so every
 * count is exact) of {@value #FRAMES} frames of mixed traffic; {@code max_entries} 2 with entries on
 * cpu 0 and 1, so the live target set is {@code [0, 1]}. Once the RX worker has received every frame
 * (the {@code stats} request), the per-entry enqueue counts and the RX verdicts must be the split
 * expected for that mode.
 *
 * <p>Where the expectation comes from: {@link Frame} records, for every frame, what the test put into
 * it (family, protocol, ports, VLAN, 802.3 or not) while building it; {@link #expected} derives each
 * mode's split from those records alone, with no parser and no code of the filters:
 * <ul>
 * <li>{@code no-touch}: everything to cpu 0.</li>
 * <li>{@code touch}: untagged 802.3 frames DROP (a tagged one shows the TPID, a valid EtherType, as the
 * sample's raw read of {@code h_proto} does), the rest to cpu 0.</li>
 * <li>{@code round-robin}: N/2 each, ±1.</li>
 * <li>{@code l4-proto}: UDP to targets[1] = cpu 1; TCP, non-IP to targets[0] = cpu 0; ICMP / ICMPv6
 * to targets[2], which with two targets wraps to targets[2 % 2] = cpu 0. The kernel sample reads slot 2
 * of its {@code cpus_available} array, which its user space left unset (0) with two CPUs given: cpu 0
 * as well, by another road.</li>
 * <li>{@code l4-filter}: as {@code l4-proto}, and UDP to port 9 DROP (later IPv4 fragments carry no
 * port: kept, to cpu 1).</li>
 * <li>{@code l4-hash}: an independent re-implementation ({@link #flowHash}) of the documented hash
 * (docs/filters.md, {@code FlowHash}: MurmurHash3's 32-bit round over the word sums of source and
 * destination address, seeded by 0xdeadbeef plus the fixed header's protocol / next-header byte —
 * the hop-by-hop header's 0 for such IPv6 packets, as the sample uses {@code ip6h->nexthdr}),
 * computed from the addresses the test chose; non-IP to cpu 0.</li>
 * <li>{@code l4-sport} / {@code l4-dport}: the chosen port modulo 2; no port (ICMP, non-IP, later
 * fragment) to cpu 0.</li>
 * <li>{@code acl}: {@link #ACL_RULES} evaluated first-match by {@link #acl} on the records.</li>
 * <li>{@code rate-limit} ({@code rate_pps=1, burst=4, then=l4-proto}): per source address the first 4
 * packets go on as {@code l4-proto} sends them, the rest DROP; non-IP is not limited. Exact as long as
 * the replay of the capture takes under a second (one token per second); it takes milliseconds.</li>
 * </ul>
 * In addition, each mode's filter runs in-process on the same frames through {@link FilterHarness}, which
 * must give the same split: when the daemon disagrees with both, the wiring is at fault; when the harness
 * disagrees with the records, the filter (or this model) is.
 */
class DaemonFilterModesTest {
    static final int FRAMES = 360;
    private static final String ACL_RULES = String.join("\n",
            "drop        proto=udp dport=9",
            "pass        proto=icmp",
            "redirect:1  src=198.19.0.0/16",
            "redirect:1  src=2001:db8:2::/48 proto=tcp",
            "drop        vlan=100-199",
            "redirect:1  proto=tcp sport=0-32767");

    @TempDir
    static Path dir;
    static List<Frame> frames;
    static Path pcap;
    static NetNamespace ns;

    /**
     * A frame and what was put into it. {@code family} 0 = not IP; {@code protoField} = the fixed IP
     * header's protocol / next header byte; {@code l4} = the upper-layer protocol; ports -1 = none in the
     * frame; {@code vlan} = outer VLAN id, -1 untagged.
     */
    record Frame(byte[] bytes, boolean ieee8023, int family, int protoField, int l4, byte[] src, byte[] dst,
            int sport, int dport, int vlan) {
        boolean untagged8023() {
            return ieee8023 && vlan < 0;
        }
    }

    /** The split of one mode: frames enqueued per cpu, RX drops, RX passes. */
    record Split(long cpu0, long cpu1, long drop, long pass) {
        @Override
        public String toString() {
            return "cpu0=" + cpu0 + " cpu1=" + cpu1 + " drop=" + drop + " pass=" + pass;
        }
    }

    @BeforeAll
    static void traffic() throws Exception {
        frames = generate(new Random(0x5eed_6), FRAMES);
        pcap = dir.resolve("modes.pcap");
        try (PcapWriter w = new PcapWriter(pcap)) {
            long ts = 1_735_689_600_000_000_000L;
            for (Frame f : frames) {
                w.write(f.bytes(), ts);
                ts += 10_000;
            }
        }
        ns = NetNamespace.create("cpumapd-modes");
    }

    @AfterAll
    static void removeNamespace() {
        if (ns != null) {
            ns.close();
        }
    }

    static Stream<Arguments> modes() {
        Map<String, String> acl = new LinkedHashMap<>();
        String[] rules = ACL_RULES.split("\n");
        for (int i = 0; i < rules.length; i++) {
            acl.put("rule." + (i + 1), rules[i]);
        }
        acl.put("default", "redirect:0");
        return Stream.of(
                Arguments.of("no-touch", Map.of()),
                Arguments.of("touch", Map.of()),
                Arguments.of("round-robin", Map.of()),
                Arguments.of("l4-proto", Map.of()),
                Arguments.of("l4-filter", Map.of()),
                Arguments.of("l4-hash", Map.of()),
                Arguments.of("l4-sport", Map.of()),
                Arguments.of("l4-dport", Map.of()),
                Arguments.of("acl", acl),
                Arguments.of("rate-limit", Map.of("rate_pps", "1", "burst", "4", "then", "l4-proto")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void splitsTheCaptureAsTheModeSays(String mode, Map<String, String> params) throws Exception {
        Split want = expected(mode, frames);
        assertThat(want.cpu0() + want.cpu1() + want.drop() + want.pass()).isEqualTo(FRAMES);
        Split harness = harness(mode, params, frames);
        if (mode.equals("round-robin")) {
            assertThat(Math.abs(harness.cpu0() - harness.cpu1())).as("harness: " + harness).isLessThanOrEqualTo(1);
        } else {
            assertThat(harness).as("the filter in-process (FilterHarness) against the frames' records").isEqualTo(want);
        }

        String tap = FilterDaemons.tapName();
        String yaml = FilterDaemons.config(pcap, false, tap, dir.resolve(mode + ".sock"),
                FilterDaemons.filter(mode, params), "pass");
        try (DaemonProcess d = FilterDaemons.start(dir, mode, yaml, ns, tap)) {
            JsonNode s = FilterDaemons.awaitAllReceived(d, FRAMES, 30_000);
            Split got = new Split(enqueue(s, 0, "enqueued"), enqueue(s, 1, "enqueued"), rx(s, "drop"), rx(s, "pass"));
            assertThat(rx(s, "rx")).as("every frame received once: %s", s).isEqualTo(FRAMES);
            assertThat(s.at("/ports/0/ipackets").asLong()).isEqualTo(FRAMES);
            // Not pass_drops: the daemon replays the whole capture within milliseconds of "ready", before
            // the test has moved its TAP into the namespace and up, so PASSed frames meet a TAP that is
            // down. The verdict counts are what this test is about.
            assertThat(rx(s, "aborted") + rx(s, "redirect_errors") + rx(s, "exceptions"))
                    .as("no errors: %s", s).isZero();
            assertThat(enqueue(s, 0, "drops") + enqueue(s, 1, "drops")).as("no ring full: %s", s).isZero();
            assertThat(rx(s, "redirect")).isEqualTo(got.cpu0() + got.cpu1());
            if (mode.equals("round-robin")) {
                assertThat(got.cpu0() + got.cpu1()).isEqualTo(FRAMES);
                assertThat(Math.abs(got.cpu0() - got.cpu1())).as("round-robin: %s", got).isLessThanOrEqualTo(1);
            } else {
                assertThat(got).as("daemon's split for %s (stats %s)", mode, s).isEqualTo(want);
            }

            JsonNode shown = FilterDaemons.JSON.readTree(d.cli("filter", "show", "-j").out());
            assertThat(shown.at("/name").asText()).isEqualTo(mode);
            assertThat(shown.at("/swaps").asLong()).isZero();
            if (mode.equals("rate-limit")) {
                assertThat(shown.at("/counters/dropped_rate").asLong()).as("%s", shown).isEqualTo(want.drop());
                assertThat(d.cli("filter", "show").out()).contains("dropped_rate=" + want.drop());
            } else {
                assertThat(shown.at("/counters").isEmpty()).as("%s", shown).isTrue();
            }
            FilterDaemons.assertStopsCleanly(d);
        }
    }

    // ---- the expectation, from the records only ----

    static Split expected(String mode, List<Frame> frames) {
        long[] to = new long[2];
        long drop = 0;
        long pass = 0;
        Map<String, Integer> perSource = new HashMap<>();
        int i = 0;
        for (Frame f : frames) {
            int target; // 0, 1; -1 DROP; -2 PASS
            switch (mode) {
                case "no-touch" -> target = 0;
                case "touch" -> target = f.untagged8023() ? -1 : 0;
                case "round-robin" -> target = i % 2;
                case "l4-proto" -> target = l4Proto(f);
                case "l4-filter" -> target = f.l4() == 17 && f.dport() == 9 ? -1 : l4Proto(f);
                case "l4-hash" -> target = f.family() == 0 ? 0 : Integer.remainderUnsigned(flowHash(f), 2);
                case "l4-sport" -> target = f.sport() < 0 ? 0 : f.sport() % 2;
                case "l4-dport" -> target = f.dport() < 0 ? 0 : f.dport() % 2;
                case "acl" -> target = acl(f);
                case "rate-limit" -> {
                    if (f.family() == 0) {
                        target = l4Proto(f);
                    } else {
                        int seen = perSource.merge(Arrays.toString(f.src()), 1, Integer::sum);
                        target = seen <= 4 ? l4Proto(f) : -1;
                    }
                }
                default -> throw new IllegalArgumentException(mode);
            }
            switch (target) {
                case -1 -> drop++;
                case -2 -> pass++;
                default -> to[target]++;
            }
            i++;
        }
        return new Split(to[0], to[1], drop, pass);
    }

    /** Index 0 (TCP, other), 1 (UDP) or 2 (ICMP) into the targets [0, 1], wrapping. */
    private static int l4Proto(Frame f) {
        int index = switch (f.l4()) {
            case 17 -> 1;
            case 1, 58 -> 2;
            default -> 0;
        };
        return index % 2;
    }

    private static int acl(Frame f) {
        if (f.l4() == 17 && f.dport() == 9) {
            return -1;
        }
        if (f.l4() == 1) {
            return -2;
        }
        if (f.family() == 4 && (f.src()[0] & 0xff) == 198 && (f.src()[1] & 0xff) == 19) {
            return 1;
        }
        if (f.family() == 6 && f.src()[4] == 0 && f.src()[5] == 2 && f.l4() == 6) { // 2001:db8:2::/48
            return 1;
        }
        if (f.vlan() >= 100 && f.vlan() <= 199) {
            return -1;
        }
        if (f.l4() == 6 && f.sport() >= 0 && f.sport() <= 32767) {
            return 1;
        }
        return 0;
    }

    /** The documented symmetric pair hash, written from its description. */
    static int flowHash(Frame f) {
        int words = f.src().length / 4;
        int h = 0xdeadbeef + f.protoField();
        for (int w = 0; w < words; w++) {
            int k = be32(f.src(), 4 * w) + be32(f.dst(), 4 * w);
            k *= 0xcc9e2d51;
            k = Integer.rotateLeft(k, 15);
            k *= 0x1b873593;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        h ^= words;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private static int be32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    /** The same filter in-process on the same frames, all at one timestamp. */
    static Split harness(String mode, Map<String, String> params, List<Frame> frames) {
        PacketFilter filter = Filters.create(mode, params, TargetSet.of(0, 1));
        long[] to = new long[2];
        long drop = 0;
        long pass = 0;
        try (FilterHarness h = new FilterHarness()) {
            h.timestampNs(5_000_000_000L);
            for (Frame f : frames) {
                FilterResult r = h.run(filter, f.bytes());
                if (r.verdict() == Verdict.REDIRECT) {
                    to[r.cpumapKey()]++;
                } else if (r.verdict() == Verdict.DROP) {
                    drop++;
                } else if (r.verdict() == Verdict.PASS) {
                    pass++;
                } else {
                    throw new AssertionError(mode + ": unexpected " + r);
                }
            }
        }
        return new Split(to[0], to[1], drop, pass);
    }

    // ---- traffic ----

    /**
     * Mixed traffic: ~6% 802.3 (LLC) frames, ~3% ARP, ~6% UDP to port 9, ~4% IPv4 fragments (first and
     * later), the rest TCP / UDP / ICMP(v6) over IPv4 and IPv6 (a third), some with a hop-by-hop
     * header; 30% of all frames carry an 802.1Q tag or QinQ (VLAN ids 1..300). Sources come from 18
     * addresses, so the rate limit has sources that exceed their burst.
     */
    static List<Frame> generate(Random rnd, int count) {
        byte[][] v4src = new byte[12][];
        for (int i = 0; i < v4src.length; i++) {
            v4src[i] = new byte[] {(byte) 198, (byte) (i < 6 ? 18 : 19), (byte) rnd.nextInt(256), (byte) (1 + i)};
        }
        byte[][] v6src = new byte[6][];
        for (int i = 0; i < v6src.length; i++) {
            v6src[i] = v6(i < 3 ? 1 : 2, rnd);
        }
        byte[][] v4dst = {{(byte) 198, 18, 0, 1}, {(byte) 198, 18, 7, 9}, {(byte) 198, 19, (byte) 200, 3}};
        byte[][] v6dst = {v6(0xff, rnd), v6(0xfe, rnd)};
        List<Frame> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int r = rnd.nextInt(100);
            int tagKind = rnd.nextInt(10);
            int tags = tagKind < 7 ? 0 : tagKind < 9 ? 1 : 2;
            int outer = 1 + rnd.nextInt(300);
            FrameBuilder b = FrameBuilder.ethernet().dstMac("02:00:00:00:00:02").srcMac("02:00:00:00:00:01");
            if (tags == 1) {
                b.vlan(outer);
            } else if (tags == 2) {
                b.qinq(outer, 1 + rnd.nextInt(4094));
            }
            int vlan = tags == 0 ? -1 : outer;
            if (r < 6) {
                byte[] llc = bytes(rnd, 3 + rnd.nextInt(60));
                llc[0] = 0x42;
                llc[1] = 0x42;
                llc[2] = 0x03; // STP's LLC header
                out.add(new Frame(b.ieee8023().payload(llc).build(), true, 0, -1, -1, null, null, -1, -1, vlan));
                continue;
            }
            if (r < 9) {
                out.add(new Frame(b.etherType(0x0806).payload(bytes(rnd, 28)).build(), false, 0, -1, -1, null, null,
                        -1, -1, vlan));
                continue;
            }
            boolean fragment = r >= 15 && r < 19;
            boolean v6 = !fragment && rnd.nextInt(3) == 0;
            byte[] src = v6 ? v6src[rnd.nextInt(v6src.length)] : v4src[rnd.nextInt(v4src.length)];
            byte[] dst = v6 ? v6dst[rnd.nextInt(v6dst.length)] : v4dst[rnd.nextInt(v4dst.length)];
            b.ip(src, dst);
            int sport = 1 + rnd.nextInt(65535);
            int dport = 1 + rnd.nextInt(65535);
            int l4;
            if (r < 15) {
                l4 = 17;
                dport = 9;
            } else if (fragment) {
                l4 = 17;
                if (rnd.nextBoolean()) {
                    dport = 9;
                }
            } else {
                int p = rnd.nextInt(10);
                l4 = p < 4 ? 6 : p < 8 ? 17 : v6 ? 58 : 1;
            }
            switch (l4) {
                case 6 -> b.tcp(sport, dport).tcpFlags(FrameBuilder.ACK | FrameBuilder.PSH);
                case 17 -> b.udp(sport, dport);
                default -> {
                    b.icmpEcho(sport, i);
                    sport = -1;
                    dport = -1;
                }
            }
            int protoField = l4;
            if (v6 && rnd.nextInt(6) == 0) {
                b.hopByHop();
                protoField = 0;
            }
            if (fragment) {
                boolean later = rnd.nextBoolean();
                b.fragment(later ? 8 * (1 + rnd.nextInt(100)) : 0, !later || rnd.nextBoolean());
                if (later) {
                    sport = -1;
                    dport = -1;
                }
            }
            b.payload(bytes(rnd, rnd.nextInt(120)));
            out.add(new Frame(b.build(), false, v6 ? 6 : 4, protoField, l4, src, dst, sport, dport, vlan));
        }
        return out;
    }

    private static byte[] v6(int subnet, Random rnd) {
        byte[] a = bytes(rnd, 16);
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        a[4] = 0;
        a[5] = (byte) subnet;
        return a;
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
