package io.cpumapd.twoway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import io.cpumapd.testkit.Cmd;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config/examples/veth-af-xdp.yaml as its header says (interface and TAP names made unique, the
 * whole host in a namespace of the test's): a client behind veth1 resolves the TAP by ARP and
 * neighbour discovery, gets every ping and ping -6 reply, downloads 16 MiB from the host's stack
 * and serves 16 MiB to it; what the kernel sends that the port cannot take is counted and dropped;
 * the mempool is full at the end.
 */
class ExampleTwoWayTest {
    private static final int BLOB_BYTES = 16 << 20;

    @TempDir
    Path dir;

    static JsonNode stats(DaemonProcess d) throws Exception {
        try (ControlClient c = new ControlClient(d.socket(), Duration.ofSeconds(5))) {
            return c.call(Requests.create("stats"));
        }
    }

    static long tapReturn(JsonNode stats, String field) {
        long sum = 0;
        for (JsonNode q : stats.get("tap_return")) {
            sum += q.get(field).asLong();
        }
        return sum;
    }

    @Test
    void aClientTalksToTheHostThroughCpumapdBothWays() throws Exception {
        try (TwoWayLab lab = TwoWayLab.create(1)) {
            String yaml = Files.readString(Path.of("config/examples/veth-af-xdp.yaml"))
                    .replace("iface=veth0", "iface=" + lab.hostLink(0))
                    .replace("name: cpumapd0", "name: " + lab.tapName(0))
                    .replace("/run/cpumapd/cpumapd.sock", dir.resolve("cpumapd.sock").toString());
            DaemonProcess d = lab.start(dir, yaml);
            String tap = lab.tapName(0);

            String ping = lab.client(0).exec("ping", "-c", "5", "-i", "0.2", "-W", "2", TwoWayLab.tapIpv4(0));
            assertThat(ping).as(ping).contains("5 packets transmitted, 5 received");
            String ping6 = lab.client(0).exec("ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", TwoWayLab.tapIpv6(0));
            assertThat(ping6).as(ping6).contains("5 packets transmitted, 5 received");
            String tapMac = lab.host().exec("cat", "/sys/class/net/" + tap + "/address").strip();
            assertThat(lab.client(0).exec("ip", "neigh", "show", TwoWayLab.tapIpv4(0))).contains(tapMac);
            assertThat(lab.client(0).exec("ip", "-6", "neigh", "show", TwoWayLab.tapIpv6(0))).contains(tapMac);
            assertThat(tapMac).as("the TAP takes the port's MAC")
                    .isEqualTo(lab.host().exec("cat", "/sys/class/net/" + lab.hostLink(0) + "/address").strip());

            Path served = Files.createDirectories(dir.resolve("host"));
            TwoWayLab.randomFile(served.resolve("blob"), BLOB_BYTES);
            lab.httpServer(lab.host(), TwoWayLab.tapIpv4(0), 8080, served);
            Path down = dir.resolve("down");
            assertThat(lab.curl(lab.client(0), "http://" + TwoWayLab.tapIpv4(0) + ":8080/blob", down)).isZero();
            assertThat(TwoWayLab.sha256(down)).isEqualTo(TwoWayLab.sha256(served.resolve("blob")));

            Path clientDir = Files.createDirectories(dir.resolve("client"));
            TwoWayLab.randomFile(clientDir.resolve("blob"), BLOB_BYTES);
            lab.httpServer(lab.client(0), TwoWayLab.clientIpv4(0), 8081, clientDir);
            Path up = dir.resolve("up");
            assertThat(lab.curl(null, "http://" + TwoWayLab.clientIpv4(0) + ":8081/blob", up)).isZero();
            assertThat(TwoWayLab.sha256(up)).isEqualTo(TwoWayLab.sha256(clientDir.resolve("blob")));

            JsonNode before = stats(d);
            assertThat(tapReturn(before, "segmented")).as("the kernel handed over TSO frames").isPositive();
            // Bad input from the kernel's side: a TAP MTU above the port's lets it send what the port
            // cannot take: a 3028-byte ping (no GSO), and a UDP GSO send whose gso_size does not fit.
            lab.host().exec("ip", "link", "set", tap, "mtu", "4000");
            Cmd.run("ip", "netns", "exec", lab.host().name(), "ping", "-c", "1", "-W", "0.3", "-s", "3000",
                    TwoWayLab.clientIpv4(0));
            lab.host().exec("/usr/bin/python3", "-c", String.join("\n",
                    "import socket",
                    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                    "s.setsockopt(17, 103, 3000)",
                    "s.sendto(bytes(9000), ('" + TwoWayLab.clientIpv4(0) + "', 9))"));
            long tooBig = 0;
            for (int i = 0; i < 50 && tooBig < 2; i++) {
                Thread.sleep(100);
                tooBig = tapReturn(stats(d), "too_big") - tapReturn(before, "too_big");
            }
            assertThat(tooBig).as("frames too big for the port, counted and dropped").isEqualTo(2);
            lab.host().exec("ip", "link", "set", tap, "mtu", "1500");
            assertThat(lab.client(0).exec("ping", "-c", "2", "-i", "0.2", "-W", "2", TwoWayLab.tapIpv4(0)))
                    .as("still running").contains("2 received");
            assertThat(lab.linkStat(tap, "tx", "dropped")).as("no TAP queue was left unread").isZero();

            JsonNode s = stats(d);
            long read = tapReturn(s, "read");
            long wire = read - tapReturn(s, "segmented") - tapReturn(s, "too_big") - tapReturn(s, "malformed")
                    - tapReturn(s, "segmentation_failed") + tapReturn(s, "segments");
            assertThat(wire).as("every frame read from the TAP is accounted for")
                    .isEqualTo(tapReturn(s, "sent") + tapReturn(s, "tx_full") + tapReturn(s, "no_tx_queue"));
            assertThat(d.terminate(30_000)).as(d.log()).isZero();
            assertThat(d.log()).contains("full again");
        }
    }
}
