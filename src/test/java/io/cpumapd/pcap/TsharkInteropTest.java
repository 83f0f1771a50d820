package io.cpumapd.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tshark and tcpdump as independent readers of what PcapWriter, FrameBuilder and MixedTraffic produce. */
class TsharkInteropTest {

    private static final String[] CHECKS = {"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE"};

    @TempDir
    Path dir;

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static List<String> run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit status of %s", String.join(" ", cmd)).isZero();
        return out.lines().toList();
    }

    private static List<String> tshark(Path f, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", f.toString()));
        cmd.addAll(List.of(CHECKS));
        cmd.addAll(List.of(extra));
        return run(cmd.toArray(String[]::new));
    }

    /** Lines of tshark's full dissection that report a malformed packet or a wrong checksum. */
    private static List<String> complaints(Path f) throws IOException, InterruptedException {
        return tshark(f, "-V").stream()
                .filter(l -> l.contains("[Malformed") || l.contains("incorrect") || l.contains("Bad checksum"))
                .toList();
    }

    /** Checksum verdicts per packet: Wireshark's status 1 is "Good", 0 "Bad", 2 "Unverified". */
    private static List<String> checksumStatuses(Path f) throws IOException, InterruptedException {
        return tshark(f, "-T", "fields", "-E", "separator=,", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                "-e", "udp.checksum.status", "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status");
    }

    @Test
    void tsharkFindsMixedTrafficWellFormed() throws Exception {
        assumeTrue(onPath("tshark"), "tshark not installed");
        Path f = dir.resolve("mixed.pcap");
        new MixedTraffic(2024).flows(500).writePcap(f, 3000);
        List<String> summary = tshark(f);
        assertThat(summary).hasSize(3000);
        assertThat(complaints(f)).isEmpty();
        List<String> statuses = checksumStatuses(f);
        assertThat(statuses).hasSize(3000).allSatisfy(line -> {
            assertThat(line).doesNotContain("0").doesNotContain("2");
            assertThat(line.replace(",", "")).isIn("1", "11"); // IPv4 header + L4, or IPv6 L4 alone
        });
        List<String> lengths = tshark(f, "-T", "fields", "-e", "frame.len");
        List<PcapRecord> records = PcapReader.readAll(f);
        for (int i = 0; i < records.size(); i++) {
            assertThat(Integer.parseInt(lengths.get(i))).isEqualTo(records.get(i).originalLength());
        }
    }

    @Test
    void tsharkSeesBrokenChecksumsSoTheCheckAboveCanFail() throws Exception {
        assumeTrue(onPath("tshark"), "tshark not installed");
        byte[] good = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(50000, 50001)
                .sequencedPayload(1, 40).build();
        byte[] badUdp = good.clone();
        badUdp[41] ^= 1;
        byte[] badIp = good.clone();
        badIp[25] ^= 1;
        Path f = dir.resolve("bad.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            w.write(good, 1_000);
            w.write(badUdp, 2_000);
            w.write(badIp, 3_000);
        }
        assertThat(complaints(f)).isNotEmpty();
        List<String> statuses = checksumStatuses(f);
        assertThat(statuses.get(0)).isEqualTo("1,,1,,");
        assertThat(statuses.get(1)).isEqualTo("1,,0,,");
        assertThat(statuses.get(2)).startsWith("0");
    }

    @Test
    void tsharkDecodesBuilderSpecialCases() throws Exception {
        assumeTrue(onPath("tshark"), "tshark not installed");
        Path f = dir.resolve("special.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            long ts = 1_000_000;
            w.write(FrameBuilder.ethernet().qinq(10, 20).ipv4("198.18.0.1", "198.18.0.2")
                    .ipOptions(new byte[] {(byte) 0x94, 4, 0, 0}).tcp(50000, 50001).tcpFlags(FrameBuilder.SYN).build(), ts++);
            w.write(FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").hopByHop()
                    .udp(50000, 50001).sequencedPayload(3, 100).build(), ts++);
            w.write(FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").icmpEcho(1, 2).build(), ts++);
            w.write(FrameBuilder.ethernet().dstMac("01:80:c2:00:00:00").ieee8023()
                    .payload(new byte[] {0x42, 0x42, 0x03}).build(), ts++);
        }
        assertThat(complaints(f)).isEmpty();
        List<String> fields = tshark(f, "-T", "fields", "-E", "separator=;", "-e", "ieee8021ad.id", "-e", "vlan.id", "-e", "ip.opt.type",
                "-e", "tcp.flags.syn", "-e", "ipv6.hopopts.nxt", "-e", "icmpv6.type", "-e", "llc.dsap");
        assertThat(fields.get(0)).startsWith("10;20;148;1;"); // S-tag, C-tag, router alert option, SYN
        assertThat(fields.get(1)).contains(";17;");
        assertThat(fields.get(2)).contains(";128;");
        assertThat(fields.get(3)).endsWith(";0x42");
    }

    @Test
    void tcpdumpCountsTheSamePackets() throws Exception {
        assumeTrue(onPath("tcpdump"), "tcpdump not installed");
        Path f = dir.resolve("mixed.pcap");
        new MixedTraffic(5).writePcap(f, 777);
        assertThat(run("tcpdump", "-n", "-r", f.toString())).hasSize(777);
    }
}
