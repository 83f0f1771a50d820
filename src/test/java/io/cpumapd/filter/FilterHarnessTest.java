package io.cpumapd.filter;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.MixedTraffic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The harness gives a filter the Packet an RX worker would, with only the shim loaded. */
class FilterHarnessTest {

    @Test
    void runsWithoutTheEal() {
        try (FilterHarness h = new FilterHarness()) {
            FilterResult r = h.run(Filters.create("l4-proto", Map.of(), TargetSet.of(1, 2, 3)),
                    TestFrames.v4().udp(1, 2).build());
            assertThat(r.redirectedTo(2)).isTrue();
        }
        assertThat(Eal.isRunning()).isFalse();
    }

    @Test
    void metadataReachesTheFilterAndChangesComeBack() {
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        int[] seen = new int[5];
        long[] ts = new long[1];
        try (FilterHarness h = new FilterHarness()) {
            h.port(3).queue(2).rssHash(0xabcd).metadata(5, 6).timestampNs(77);
            FilterResult r = h.run(packet -> {
                seen[0] = packet.port();
                seen[1] = packet.queue();
                seen[2] = packet.rssHash();
                seen[3] = packet.mark();
                seen[4] = packet.userValue();
                ts[0] = Mbuf.timestampNs(packet.mbuf());
                packet.setMark(41);
                packet.setUserValue(42);
                packet.setU8(0, 0xee); // rewrite the first destination MAC byte
                packet.adjustHead(4);  // and pop four bytes off the front
                return packet.redirectToPort(1);
            }, frame);
            assertThat(seen).containsExactly(3, 2, 0xabcd, 5, 6);
            assertThat(ts[0]).isEqualTo(77);
            assertThat(r.redirectedToPort(1)).isTrue();
            assertThat(r.targetKind()).isEqualTo(Packet.TARGET_PORT);
            assertThat(r.mark()).isEqualTo(41);
            assertThat(r.userValue()).isEqualTo(42);
            assertThat(r.bytes()).isEqualTo(Arrays.copyOfRange(frame, 4, frame.length));
        }
    }

    @Test
    void headroomAndTailroomAreThereAsInAMempoolMbuf() {
        byte[] frame = TestFrames.v4().udp(1, 2).build();
        try (FilterHarness h = new FilterHarness()) {
            FilterResult r = h.run(packet -> packet.adjustHead(-Mbuf.HEADROOM) && packet.adjustTail(100)
                    && !packet.adjustHead(-1) ? Verdict.PASS : Verdict.DROP, frame);
            assertThat(r.verdict()).isEqualTo(Verdict.PASS);
            assertThat(r.bytes()).hasSize(frame.length + Mbuf.HEADROOM + 100);
        }
    }

    @Test
    void exceptionsBecomeAbortedAndAreReported() {
        try (FilterHarness h = new FilterHarness()) {
            FilterResult r = h.run(packet -> packet.getU32(1000) == 0 ? Verdict.PASS : Verdict.DROP, new byte[60]);
            assertThat(r.verdict()).isEqualTo(Verdict.ABORTED);
            assertThat(r.thrown()).isNotNull();
            assertThat(h.run(packet -> null, new byte[60]).verdict()).isEqualTo(Verdict.ABORTED);
        }
    }

    @Test
    void everyRecordOfAPcap(@TempDir Path dir) throws IOException {
        Path pcap = dir.resolve("mixed.pcap");
        new MixedTraffic(3).writePcap(pcap, 200);
        try (FilterHarness h = new FilterHarness()) {
            List<FilterResult> results = h.runPcap(Filters.create("l4-hash", Map.of(), TargetSet.of(1, 2)), pcap);
            assertThat(results).hasSize(200).allSatisfy(r -> assertThat(r.cpumapKey()).isIn(1, 2));
            long[] ts = new long[1];
            h.runPcap(p -> {
                ts[0] = Mbuf.timestampNs(p.mbuf());
                return Verdict.PASS;
            }, pcap);
            assertThat(ts[0]).isEqualTo(MixedTraffic.EPOCH_NANOS + 199 * 10_000L);
        }
    }
}
