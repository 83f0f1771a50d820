package io.cpumapd.twoway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MTU 9000 on both sides with the default 2176-byte data room, config/examples/veth-pcap-jumbo.yaml
 * as its header says (names made unique, the host in a namespace of the test's): net_pcap captures
 * the veth's host end, whose frames the host's own stack never sees (an nftables ingress hook
 * drops them after the capture took them), so ARP, neighbour discovery and TCP all go through
 * cpumapd. 9014-byte frames cross both ways: jumbo pings with DF set, a 16 MiB download from the
 * host's stack (64 KiB TSO frames from the TAP cut into 9014-byte chains, sent by net_pcap) and a
 * 16 MiB upload to it (9014-byte frames received as five-mbuf chains, written whole into the TAP);
 * checksums equal, every frame the port took reached the kernel with all its bytes, and the
 * mempool is full at the end.
 */
class JumboTransferTest {
    private static final int BLOB_BYTES = 16 << 20;
    private static final int MTU = 9000;
    /** The least mean frame size that only jumbo frames give (at MTU 1500 it is at most 1514). */
    private static final long JUMBO_MEAN = 8000;

    @TempDir
    Path dir;

    private static JsonNode port(DaemonProcess d) throws Exception {
        return ExampleTwoWayTest.stats(d).get("ports").get(0);
    }

    @Test
    void jumboFramesCrossBothWaysWhole() throws Exception {
        try (TwoWayLab lab = TwoWayLab.create(1)) {
            lab.captureOnly(0, MTU);
            String yaml = Files.readString(Path.of("config/examples/veth-pcap-jumbo.yaml"))
                    .replace("iface=veth0", "iface=" + lab.hostLink(0))
                    .replace("name: cpumapd0", "name: " + lab.tapName(0))
                    .replace("/run/cpumapd/cpumapd.sock", dir.resolve("cpumapd.sock").toString());
            assertThat(yaml).as("the default data room: 2048 bytes of packet per mbuf").doesNotContain("data_room");
            DaemonProcess d = lab.start(dir, yaml);
            String tap = lab.tapName(0);
            assertThat(lab.host().exec("ip", "link", "show", tap)).contains("mtu " + MTU);
            // What reached the veth before the capture existed (the client's link coming up) is
            // the stack's drop alone: count from a moment when the port and the hook agree.
            long dropped0;
            JsonNode p0;
            do {
                p0 = port(d);
                dropped0 = lab.hostDropped(0);
            } while (!p0.equals(port(d)));

            // -w, not -W: net_pcap hands frames over in libpcap's ring blocks, and on a loaded machine
            // a reply may come later than ping's two round trips of grace after its last request;
            // with a deadline ping sends on until 3 replies are in (late ones come after it exits).
            String tapIp = TwoWayLab.tapIpv4(0);
            String clientIp = TwoWayLab.clientIpv4(0);
            String ping = lab.client(0).exec("ping", "-c", "3", "-i", "0.2", "-w", "8", "-M", "do", "-s",
                    Integer.toString(MTU - 28), tapIp);
            assertThat(ping).as(ping).contains("packets transmitted, 3 received");
            String ping6 = lab.client(0).exec("ping", "-6", "-c", "3", "-i", "0.2", "-w", "8", "-M", "do", "-s",
                    Integer.toString(MTU - 48), TwoWayLab.tapIpv6(0));
            assertThat(ping6).as(ping6).contains("packets transmitted, 3 received");
            String fromHost = lab.host().exec("ping", "-c", "3", "-i", "0.2", "-w", "8", "-M", "do", "-s",
                    Integer.toString(MTU - 28), clientIp);
            assertThat(fromHost).as(fromHost).contains("packets transmitted, 3 received");
            // The TAP answered ARP (net_pcap's MAC), not the host's stack on the veth (its own MAC).
            String tapMac = lab.host().exec("cat", "/sys/class/net/" + tap + "/address").strip();
            String vethMac = lab.host().exec("cat", "/sys/class/net/" + lab.hostLink(0) + "/address").strip();
            assertThat(tapMac).isNotEqualTo(vethMac);
            assertThat(lab.client(0).exec("ip", "neigh", "show", tapIp)).contains(tapMac).doesNotContain(vethMac);

            Path served = Files.createDirectories(dir.resolve("host"));
            TwoWayLab.randomFile(served.resolve("blob"), BLOB_BYTES);
            lab.httpServer(lab.host(), tapIp, 8080, served);
            JsonNode beforeDown = port(d);
            Path down = dir.resolve("down");
            assertThat(lab.curl(lab.client(0), "http://" + tapIp + ":8080/blob", down)).isZero();
            assertThat(TwoWayLab.sha256(down)).isEqualTo(TwoWayLab.sha256(served.resolve("blob")));
            JsonNode afterDown = port(d);
            long sent = afterDown.get("opackets").asLong() - beforeDown.get("opackets").asLong();
            long sentBytes = afterDown.get("obytes").asLong() - beforeDown.get("obytes").asLong();
            assertThat(sentBytes).isGreaterThan(BLOB_BYTES);
            assertThat(sentBytes / sent).as("mean frame sent: %d bytes in %d frames", sentBytes, sent)
                    .isGreaterThan(JUMBO_MEAN);

            Path clientDir = Files.createDirectories(dir.resolve("client"));
            TwoWayLab.randomFile(clientDir.resolve("blob"), BLOB_BYTES);
            lab.httpServer(lab.client(0), clientIp, 8081, clientDir);
            JsonNode beforeUp = port(d);
            Path up = dir.resolve("up");
            assertThat(lab.curl(null, "http://" + clientIp + ":8081/blob", up)).isZero();
            assertThat(TwoWayLab.sha256(up)).isEqualTo(TwoWayLab.sha256(clientDir.resolve("blob")));
            JsonNode afterUp = port(d);
            long received = afterUp.get("ipackets").asLong() - beforeUp.get("ipackets").asLong();
            long receivedBytes = afterUp.get("ibytes").asLong() - beforeUp.get("ibytes").asLong();
            assertThat(receivedBytes).isGreaterThan(BLOB_BYTES);
            assertThat(receivedBytes / received).as("mean frame received: %d bytes in %d frames", receivedBytes,
                    received).isGreaterThan(JUMBO_MEAN);

            // Every frame the port took reached the kernel whole (the TAP counts what was written
            // into it), and the host's stack saw none of them on the veth itself.
            JsonNode s = null;
            JsonNode p = null;
            for (int i = 0; i < 50; i++) {
                s = ExampleTwoWayTest.stats(d);
                p = s.get("ports").get(0);
                if (lab.linkStat(tap, "rx", "packets") == p.get("ipackets").asLong()
                        && lab.hostDropped(0) - dropped0 == p.get("ipackets").asLong() + p.get("imissed").asLong()
                                - p0.get("ipackets").asLong() - p0.get("imissed").asLong()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(lab.linkStat(tap, "rx", "packets")).isEqualTo(p.get("ipackets").asLong());
            assertThat(lab.linkStat(tap, "rx", "bytes")).as("nothing truncated").isEqualTo(p.get("ibytes").asLong());
            assertThat(lab.hostDropped(0) - dropped0).as("frames the host's stack did not see")
                    .isEqualTo(p.get("ipackets").asLong() + p.get("imissed").asLong() - p0.get("ipackets").asLong()
                            - p0.get("imissed").asLong());
            for (JsonNode q : s.get("tap")) {
                assertThat(q.get("errors").asLong()).as("frames the TAP refused").isZero();
            }
            assertThat(p.get("ierrors").asLong()).isZero();
            assertThat(p.get("oerrors").asLong()).isZero();
            assertThat(ExampleTwoWayTest.tapReturn(s, "segments")).as("TSO frames cut to 9014 bytes").isPositive();
            assertThat(ExampleTwoWayTest.tapReturn(s, "too_big")).isZero();
            assertThat(ExampleTwoWayTest.tapReturn(s, "segmentation_failed")).isZero();
            assertThat(lab.linkStat(tap, "tx", "dropped")).as("no TAP queue was left unread").isZero();
            assertThat(d.terminate(30_000)).as(d.log()).isZero();
            assertThat(d.log()).contains("full again");
        }
    }
}
