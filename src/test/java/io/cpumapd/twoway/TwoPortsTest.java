package io.cpumapd.twoway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ports, two TAPs: what arrives on port A reaches the kernel on TAP A (and only there), and
 * what the kernel routes out of TAP B leaves through port B. Client A pings client B: the host
 * forwards from TAP A to TAP B, so every echo and reply crosses both ports in both directions.
 */
class TwoPortsTest {
    @TempDir
    Path dir;

    @Test
    void eachPortHasItsTapAndTheHostRoutesBetweenThem() throws Exception {
        try (TwoWayLab lab = TwoWayLab.create(2)) {
            String yaml = lab.yaml(dir.resolve("cpumapd.sock"), 2);
            DaemonProcess d = lab.start(dir, yaml);
            lab.host().exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            for (int i = 0; i < 2; i++) {
                lab.client(i).exec("ip", "route", "add", "default", "via", TwoWayLab.tapIpv4(i));
            }
            long rxA = lab.linkStat(lab.tapName(0), "rx", "packets");
            long rxB = lab.linkStat(lab.tapName(1), "rx", "packets");
            // -w: ping waits for every reply up to a deadline (with -W it gives up two RTTs after its last request, which a
            // loaded machine exceeds); it sends past the count only while replies are missing.
            String ping = lab.client(0).exec("ping", "-c", "20", "-i", "0.05", "-w", "20", TwoWayLab.tapIpv4(0));
            assertThat(ping).as(ping).contains(" 20 received");
            assertThat(lab.linkStat(lab.tapName(0), "rx", "packets") - rxA).as("port A's frames on TAP A")
                    .isGreaterThanOrEqualTo(20);
            // Client B's own kernel may speak meanwhile (IPv6 MLD): a few frames, not the 20 echoes.
            assertThat(lab.linkStat(lab.tapName(1), "rx", "packets") - rxB).as("none of them on TAP B")
                    .isLessThan(5);

            String across = lab.client(0).exec("ping", "-c", "5", "-i", "0.2", "-w", "20", TwoWayLab.clientIpv4(1));
            assertThat(across).as(across).contains(" 5 received");
            assertThat(lab.linkStat(lab.tapName(1), "tx", "packets")).as("echoes routed out of TAP B")
                    .isGreaterThanOrEqualTo(5);
            assertThat(lab.client(1).exec("ip", "neigh", "show", TwoWayLab.tapIpv4(1)))
                    .contains(lab.host().exec("cat", "/sys/class/net/" + lab.hostLink(1) + "/address").strip());
            assertThat(d.terminate(30_000)).as(d.log()).isZero();
            assertThat(d.log()).contains("full again");
        }
    }
}
