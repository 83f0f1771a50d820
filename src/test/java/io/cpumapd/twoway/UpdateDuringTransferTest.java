package io.cpumapd.twoway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cpumap update and delete while TCP transfers run both ways: entries are replaced and deleted
 * under the flows (their frames move to other consumers, the kernel's replies to other TAP
 * queues), the connections survive with every byte, and no TAP queue is ever left unread (the
 * TAP's tx_dropped stays 0).
 */
class UpdateDuringTransferTest {
    private static final int BLOB_BYTES = 16 << 20;

    @TempDir
    Path dir;

    @Test
    void connectionsSurviveEntriesReplacedAndDeleted() throws Exception {
        try (TwoWayLab lab = TwoWayLab.create(1)) {
            String yaml = lab.yaml(dir.resolve("cpumapd.sock"), 1);
            DaemonProcess d = lab.start(dir, yaml);
            Path hostDir = Files.createDirectories(dir.resolve("host"));
            Path clientDir = Files.createDirectories(dir.resolve("client"));
            TwoWayLab.randomFile(hostDir.resolve("blob"), BLOB_BYTES);
            TwoWayLab.randomFile(clientDir.resolve("blob"), BLOB_BYTES);
            lab.httpServer(lab.host(), TwoWayLab.tapIpv4(0), 8080, hostDir);
            lab.httpServer(lab.client(0), TwoWayLab.clientIpv4(0), 8081, clientDir);

            assertThat(d.cli("cpumap", "show").exit()).isZero(); // the CLI's classes loaded before the clock runs
            // About 3 s each at 5 MB/s, long enough for a dozen map changes.
            CompletableFuture<Integer> down = CompletableFuture.supplyAsync(() -> lab.curl(lab.client(0),
                    "http://" + TwoWayLab.tapIpv4(0) + ":8080/blob", dir.resolve("down"), "--limit-rate", "5M"));
            CompletableFuture<Integer> up = CompletableFuture.supplyAsync(() -> lab.curl(null,
                    "http://" + TwoWayLab.clientIpv4(0) + ":8081/blob", dir.resolve("up"), "--limit-rate", "5M"));
            String[][] changes = {
                    {"cpumap", "update", "1", "--qsize", "512"},
                    {"cpumap", "delete", "0"},
                    {"cpumap", "update", "0", "--qsize", "2048"},
                    {"cpumap", "update", "1", "--qsize", "64"},
                    {"cpumap", "delete", "1"},
                    {"cpumap", "update", "1", "--qsize", "1024"},
            };
            int made = 0;
            while (!(down.isDone() && up.isDone())) {
                DaemonProcess.Cli c = d.cli(changes[made % changes.length]);
                assertThat(c.exit()).as(c.toString()).isZero();
                made++;
                Thread.sleep(100);
            }
            assertThat(down.get()).as("curl download exit code").isZero();
            assertThat(up.get()).as("curl upload exit code").isZero();
            assertThat(made).as("map changes during the transfers").isGreaterThanOrEqualTo(6);
            assertThat(TwoWayLab.sha256(dir.resolve("down"))).isEqualTo(TwoWayLab.sha256(hostDir.resolve("blob")));
            assertThat(TwoWayLab.sha256(dir.resolve("up"))).isEqualTo(TwoWayLab.sha256(clientDir.resolve("blob")));
            assertThat(lab.linkStat(lab.tapName(0), "tx", "dropped")).as("a TAP queue was left unread").isZero();
            assertThat(d.terminate(30_000)).as(d.log()).isZero();
            assertThat(d.log()).contains("full again");
        }
    }
}
