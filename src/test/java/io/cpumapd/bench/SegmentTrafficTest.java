package io.cpumapd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cpumapd.packet.Headers;
import io.cpumapd.pcap.PcapWriter;
import io.cpumapd.testkit.Cmd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk traffic of the benchmarks is what a real sender puts on the wire: the project's parser
 * finds every header, every checksum adds up (summed here independently, and by tshark), each flow's
 * sequence numbers are contiguous, flags and timestamps are as a Linux sender sets them.
 */
class SegmentTrafficTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final MemorySegment NATIVE = ARENA.allocate(9216 + 128);

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        ARENA.close();
    }

    private static Headers parse(byte[] f) {
        MemorySegment.copy(f, 0, NATIVE, ValueLayout.JAVA_BYTE, 0, f.length);
        Headers h = new Headers();
        assertThat(h.parse(NATIVE.address(), f.length)).isTrue();
        return h;
    }

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | f[at + 1] & 0xff;
    }

    private static long u32(byte[] f, int at) {
        return (long) u16(f, at) << 16 | u16(f, at + 2);
    }

    /** One's-complement sum of the words of {@code f[from, to)} plus {@code initial}, folded. */
    private static int sum(byte[] f, int from, int to, long initial) {
        long s = initial;
        for (int i = from; i < to; i += 2) {
            s += i + 1 < to ? u16(f, i) : (f[i] & 0xff) << 8;
        }
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** Checks lengths and checksums of one frame; returns its parsed headers. */
    private static Headers checkFrame(byte[] f, SegmentTraffic t) {
        Headers h = parse(f);
        assertThat(h.l4Valid()).as("%s", h).isTrue();
        assertThat(h.isFragment()).isFalse();
        assertThat(h.l4Protocol()).isEqualTo(t.kind() == SegmentTraffic.Kind.TCP ? 6 : 17);
        assertThat(f.length).isEqualTo(t.frameBytes());
        int l3 = h.l3Offset();
        int l4 = h.l4Offset();
        int l4Bytes = f.length - l4;
        long pseudo;
        if (h.ipVersion() == 4) {
            assertThat(u16(f, l3 + 2)).as("total length").isEqualTo(f.length - 14);
            assertThat(sum(f, l3, l3 + 20, 0)).as("IPv4 header checksum").isEqualTo(0xffff);
            assertThat(u16(f, l3 + 6) & 0x4000).as("DF").isNotZero();
            pseudo = sum(f, l3 + 12, l3 + 20, 0) + h.l4Protocol() + l4Bytes;
        } else {
            assertThat(u16(f, l3 + 4)).as("payload length").isEqualTo(f.length - 14 - 40);
            pseudo = sum(f, l3 + 8, l3 + 40, 0) + h.l4Protocol() + l4Bytes;
        }
        assertThat(sum(f, l4, f.length, pseudo)).as("L4 checksum").isEqualTo(0xffff);
        int headerBytes = t.kind() == SegmentTraffic.Kind.TCP ? (f[l4 + 12] & 0xf0) >> 2 : 8;
        assertThat(l4Bytes - headerBytes).as("payload").isEqualTo(t.payloadBytes());
        if (t.kind() == SegmentTraffic.Kind.UDP) {
            assertThat(u16(f, l4 + 4)).as("UDP length").isEqualTo(l4Bytes);
        }
        return h;
    }

    private void tcpInSequence(boolean ipv6, boolean timestamps) {
        int flows = 5;
        int train = 3;
        SegmentTraffic t = new SegmentTraffic(SegmentTraffic.Kind.TCP, flows, 0, timestamps, ipv6, train);
        assertThat(t.frameBytes()).as("a full-sized frame on a 1500-byte MTU").isEqualTo(1514);
        Map<Integer, Long> nextSeq = new HashMap<>();
        Map<Integer, Long> lastTs = new HashMap<>();
        Map<Integer, Integer> lastIpId = new HashMap<>();
        for (int i = 0; i < flows * train * 40; i++) {
            byte[] f = t.next();
            Headers h = checkFrame(f, t);
            int l4 = h.l4Offset();
            int flow = h.srcPort() - SegmentTraffic.SRC_PORT_BASE;
            assertThat(flow).as("flows take turns in trains").isEqualTo(i / train % flows);
            assertThat(h.dstPort()).isEqualTo(SegmentTraffic.TCP_DST_PORT);
            boolean last = i % train == train - 1;
            assertThat(h.tcpFlags()).as("ACK, and PSH on the last of a train").isEqualTo(last ? 0x18 : 0x10);
            long seq = u32(f, l4 + 4);
            Long expected = nextSeq.get(flow);
            if (expected != null) {
                assertThat(seq).as("segment %d of flow %d follows the previous one", i, flow).isEqualTo(expected);
            }
            nextSeq.put(flow, (seq + t.payloadBytes()) & 0xffffffffL);
            if (h.ipVersion() == 4) {
                int id = u16(f, h.l3Offset() + 4);
                Integer prev = lastIpId.put(flow, id);
                if (prev != null) {
                    assertThat(id).as("IPv4 ids increment per flow").isEqualTo((prev + 1) & 0xffff);
                }
            }
            int headerBytes = (f[l4 + 12] & 0xf0) >> 2;
            if (timestamps) {
                assertThat(headerBytes).isEqualTo(32);
                assertThat(u32(f, l4 + 20)).as("NOP NOP TS 10").isEqualTo(0x0101080aL);
                long ts = u32(f, l4 + 24);
                Long prev = lastTs.put(flow, ts);
                if (prev != null) {
                    // Within a train the clock does not tick; between one flow's trains it does.
                    assertThat(ts).isEqualTo(i % train == 0 ? prev + 1 : prev);
                }
            } else {
                assertThat(headerBytes).isEqualTo(20);
            }
        }
        assertThat(nextSeq).hasSize(flows);
    }

    @Test
    void tcpIpv4SegmentsAreValidAndInSequence() {
        tcpInSequence(false, false);
    }

    @Test
    void tcpIpv4SegmentsWithTimestamps() {
        tcpInSequence(false, true);
    }

    @Test
    void tcpIpv6SegmentsWithTimestamps() {
        tcpInSequence(true, true);
    }

    @Test
    void udpDatagramsAreEqualSizedAndValid() {
        for (boolean ipv6 : new boolean[] {false, true}) {
            SegmentTraffic t = new SegmentTraffic(SegmentTraffic.Kind.UDP, 7, 0, false, ipv6, 4);
            assertThat(t.frameBytes()).isEqualTo(1514);
            for (int i = 0; i < 7 * 4 * 10; i++) {
                Headers h = checkFrame(t.next(), t);
                assertThat(h.srcPort() - SegmentTraffic.SRC_PORT_BASE).isEqualTo(i / 4 % 7);
                assertThat(h.dstPort()).isEqualTo(SegmentTraffic.UDP_DST_PORT);
            }
        }
        // An odd payload size: the checksum covers the padded last byte.
        SegmentTraffic odd = new SegmentTraffic(SegmentTraffic.Kind.UDP, 3, 999, false, false, 1);
        for (int i = 0; i < 30; i++) {
            checkFrame(odd.next(), odd);
        }
    }

    @Test
    void writingIntoNativeMemoryGivesTheSameBytes() {
        SegmentTraffic a = new SegmentTraffic(SegmentTraffic.Kind.TCP, 3, 0, true, false, 2);
        SegmentTraffic b = new SegmentTraffic(SegmentTraffic.Kind.TCP, 3, 0, true, false, 2);
        for (int i = 0; i < 20; i++) {
            int len = a.writeNext(NATIVE, 64);
            assertThat(NATIVE.asSlice(64, len).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(b.next());
        }
    }

    @Test
    void badSettingsAreClearErrors() {
        assertThatThrownBy(() -> new SegmentTraffic(SegmentTraffic.Kind.UDP, 1, 0, true, false, 1))
                .hasMessageContaining("timestamps");
        assertThatThrownBy(() -> new SegmentTraffic(SegmentTraffic.Kind.TCP, 0, 0, false, false, 1))
                .hasMessageContaining("flows");
        assertThatThrownBy(() -> new SegmentTraffic(SegmentTraffic.Kind.TCP, 1, 0, false, false, 0))
                .hasMessageContaining("train");
        assertThatThrownBy(() -> new TrafficSpec("bulk", 1, 0, false, false, 1)).hasMessageContaining("small-udp");
        assertThatThrownBy(() -> new TrafficSpec(TrafficSpec.SMALL_UDP, 100_000, 0, false, false, 1))
                .hasMessageContaining("--flows");
        assertThatThrownBy(() -> new TrafficSpec(TrafficSpec.UDP, 1, 0, true, false, 1))
                .hasMessageContaining("--timestamps");
    }

    @Test
    void tsharkFindsTheSegmentsValidAndInOrder() throws Exception {
        assumeTrue(Cmd.run("sh", "-c", "command -v tshark").exitCode() == 0, "tshark not installed");
        Path f = dir.resolve("segments.pcap");
        int frames = 0;
        try (PcapWriter w = new PcapWriter(f)) {
            for (SegmentTraffic t : List.of(new SegmentTraffic(SegmentTraffic.Kind.TCP, 4, 0, true, false, 8),
                    new SegmentTraffic(SegmentTraffic.Kind.TCP, 4, 0, false, true, 8),
                    new SegmentTraffic(SegmentTraffic.Kind.UDP, 4, 0, false, false, 8))) {
                for (int i = 0; i < 4 * 8 * 5; i++) {
                    w.write(t.next(), 1_000_000L * frames++);
                }
            }
        }
        Cmd.Result r = Cmd.run(Duration.ofSeconds(120), List.of("tshark", "-n", "-r", f.toString(), "-o",
                "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T",
                "fields", "-E", "separator=,", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                "-e", "udp.checksum.status", "-e", "tcp.analysis.flags", "-e", "_ws.expert.message"));
        r.orThrow();
        // Cmd merges stderr (tshark warns when run as root): the field rows are digits and commas only.
        List<String> statuses = r.output().lines().filter(l -> l.matches("[0-9,]+")).toList();
        assertThat(statuses).hasSize(frames);
        for (String line : statuses) {
            // Status 1 is "Good"; tcp.analysis.flags and expert messages stay empty for segments in order
            // (no "previous segment not captured", "out-of-order", "retransmission").
            assertThat(line).as(line).matches("1?,(1,|,1),,");
        }
    }
}
