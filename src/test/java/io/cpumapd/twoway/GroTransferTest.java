package io.cpumapd.twoway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client's TCP transfer into the host through cpumapd (client → veth → net_af_xdp → RX
 * worker → cpumap consumer → TAP), with GRO on (the default) and then off on the same daemon
 * ({@code cpumap.update gro off}): the host receives the same bytes both times, over IPv4 and IPv6;
 * with GRO on, the kernel itself counts fewer packets on the TAP than the segments that went in.
 */
class GroTransferTest {
    private static final int BLOB_BYTES = 16 << 20;

    @TempDir
    Path dir;

    @Test
    void theHostReceivesTheSameBytesWithGroOnAndOff() throws Exception {
        try (TwoWayLab lab = TwoWayLab.create(1, "16g")) {
            DaemonProcess d = lab.start(dir, lab.yaml(dir.resolve("cpumapd.sock"), 1));
            String tap = lab.tapName(0);
            Path served = Files.createDirectories(dir.resolve("client"));
            TwoWayLab.randomFile(served.resolve("blob"), BLOB_BYTES);
            String want = TwoWayLab.sha256(served.resolve("blob"));
            lab.httpServer(lab.client(0), TwoWayLab.clientIpv4(0), 8081, served);
            lab.httpServer(lab.client(0), TwoWayLab.clientIpv6(0), 8082, served);

            Round on4 = transfer(lab, d, tap, "http://" + TwoWayLab.clientIpv4(0) + ":8081/blob", want);
            Round on6 = transfer(lab, d, tap, "http://[" + TwoWayLab.clientIpv6(0) + "]:8082/blob", want);
            for (Round r : new Round[] {on4, on6}) {
                assertThat(r.groFrames).as("GSO frames written, %s", r).isPositive();
                assertThat(r.kernelPackets).as("the kernel's count on the TAP is what cpumapd wrote, %s", r)
                        .isEqualTo(r.written);
                assertThat(r.kernelPackets).as("the kernel received fewer packets than segments, %s", r)
                        .isLessThan(r.segments);
            }

            for (int cpu = 0; cpu < 2; cpu++) {
                JsonNode entry = call(d, Requests.create("cpumap.update").put("cpu", cpu).put("qsize", 1024)
                        .put("gro", "off")).get("entry");
                assertThat(entry.get("gro").asBoolean()).isFalse();
            }
            Round off = transfer(lab, d, tap, "http://" + TwoWayLab.clientIpv4(0) + ":8081/blob", want);
            assertThat(off.groFrames).as("GRO off: %s", off).isZero();
            assertThat(off.kernelPackets).as("GRO off: one packet per segment, %s", off).isEqualTo(off.segments);
            // A later update without gro keeps the entry's setting.
            assertThat(call(d, Requests.create("cpumap.update").put("cpu", 0).put("qsize", 512)).get("entry")
                    .get("gro").asBoolean()).isFalse();
            System.out.printf("GRO transfer of %d MiB: on v4 %s; on v6 %s; off %s%n", BLOB_BYTES >> 20, on4, on6, off);
            assertThat(d.terminate(30_000)).as(d.log()).isZero();
            assertThat(d.log()).contains("full again");
        }
    }

    private record Round(long written, long groFrames, long groSegments, long segments, long kernelPackets) {
    }

    private Round transfer(TwoWayLab lab, DaemonProcess d, String tap, String url, String want) throws Exception {
        JsonNode before = call(d, Requests.create("stats"));
        long rx = lab.linkStat(tap, "rx", "packets");
        Path out = dir.resolve("down");
        Files.deleteIfExists(out);
        assertThat(lab.curl(null, url, out)).as("curl " + url).isZero();
        assertThat(TwoWayLab.sha256(out)).as("the bytes the host received from %s: %s", url, diff(out))
                .isEqualTo(want);
        Thread.sleep(300); // the connection's last frames (FIN, ACKs) settle before both counts are read
        JsonNode after = call(d, Requests.create("stats"));
        long written = tap(after, "packets") - tap(before, "packets");
        long frames = tap(after, "gro_frames") - tap(before, "gro_frames");
        long merged = tap(after, "gro_segments") - tap(before, "gro_segments");
        return new Round(written, frames, merged, written - frames + merged, lab.linkStat(tap, "rx", "packets") - rx);
    }

    /** Where the received file first differs from the served one. */
    private String diff(Path out) throws Exception {
        byte[] a = Files.readAllBytes(dir.resolve("client").resolve("blob"));
        byte[] b = Files.readAllBytes(out);
        int i = java.util.Arrays.mismatch(a, b);
        int j = i;
        while (j >= 0 && j < Math.min(a.length, b.length) && a[j] != b[j]) {
            j++;
        }
        int at = i < 0 ? -1 : indexOf(a, java.util.Arrays.copyOfRange(b, i, Math.min(b.length, i + 16)));
        return "sizes " + a.length + "/" + b.length + ", first difference at " + i + " for " + (j - i)
                + " bytes; the received bytes there come from offset " + at;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static long tap(JsonNode stats, String field) {
        long sum = 0;
        for (JsonNode q : stats.get("tap")) {
            sum += q.get(field).asLong();
        }
        return sum;
    }

    static JsonNode call(DaemonProcess d, com.fasterxml.jackson.databind.node.ObjectNode request)
            throws Exception {
        try (ControlClient c = new ControlClient(d.socket(), Duration.ofSeconds(5))) {
            return c.call(request);
        }
    }
}
