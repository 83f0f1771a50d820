package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpumapd status} against a scripted daemon (the real one: the daemon's end-to-end test). */
@Timeout(30)
class StatusCommandTest {
    static final String STATUS = """
            {"version": "0.1.0", "dpdk_version": "DPDK 22.11.11", "pid": 1234, "uptime_seconds": 3725.5,
             "ports": [{"name": "replay0", "device": "net_pcap0", "id": 0, "link_up": true, "link_speed_mbps": 10000,
                        "rx_queues": 1, "tx_queues": 1, "ipackets": 1500, "ibytes": 96000, "imissed": 3, "ierrors": 0,
                        "rx_nombuf": 0, "opackets": 0, "obytes": 0, "oerrors": 0}],
             "workers": [{"name": "rx0", "cpu": 0, "queues": ["replay0/0", "replay1/0"]}],
             "filter": {"name": "l4-hash", "params": {"seed": "7"}, "swaps": 2},
             "cpumap": {"max_entries": 2, "entries": [{"cpu": 1, "qsize": 2048, "entry_id": 3, "program": "pass"}]},
             "consumer": {"batch": 8, "idle": "backoff"},
             "tap": {"name": "cpumapd0", "queues": 4},
             "mempool": {"size": 8191, "in_use": 512},
             "metrics": "http://127.0.0.1:9477/metrics"}""";

    @TempDir
    Path dir;
    FakeDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = new FakeDaemon(dir).answer("status", STATUS);
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    @Test
    void humanText() {
        FakeDaemon.Run run = FakeDaemon.cli("status", "-s", daemon.socket());
        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).startsWith("cpumapd 0.1.0, pid 1234, up 1h 2m 5s, DPDK 22.11.11\n");
        assertThat(run.out()).contains(
                "filter    l4-hash seed=7 (swaps 2)\n",
                "consumer  batch 8, idle backoff\n",
                "tap       cpumapd0, 4 queues\n",
                "mempool   512 of 8191 mbufs in use\n",
                "metrics   http://127.0.0.1:9477/metrics\n",
                "cpumap: max_entries 2, 1 entry\n");
        // Aligned columns: numbers right, text left.
        assertThat(run.out()).contains("""
                WORKER  CPU  QUEUES
                rx0       0  replay0/0 replay1/0
                """);
        assertThat(run.out()).contains("""
                CPU  QSIZE  ENTRY  PROGRAM
                  1   2048      3  pass
                """);
        assertThat(run.out()).containsPattern("PORT +ID +DEVICE +LINK +SPEED .*IPACKETS +IBYTES +IMISSED")
                .containsPattern("replay0 +0 +net_pcap0 +up +10 Gbps +1 +1 +1500 +96000 +3 ");
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("{\"cmd\":\"status\"}"));
    }

    @Test
    void jsonIsTheDaemonsResultCompactOrPretty() {
        FakeDaemon.Run compact = FakeDaemon.cli("status", "-j", "-s", daemon.socket());
        assertThat(compact.exit()).isZero();
        assertThat(compact.out().lines()).hasSize(1);
        assertThat(compact.json()).isEqualTo(FakeDaemon.json(STATUS));

        FakeDaemon.Run pretty = FakeDaemon.cli("status", "--pretty", "--socket", daemon.socket());
        assertThat(pretty.out().lines().count()).isGreaterThan(10);
        assertThat(pretty.json()).isEqualTo(FakeDaemon.json(STATUS));
    }

    @Test
    void missingMembersPrintAsDashes() throws Exception {
        try (FakeDaemon sparse = new FakeDaemon(java.nio.file.Files.createDirectory(dir.resolve("sparse")))) {
            sparse.answer("status", "{\"version\": \"0.1.0\"}");
            FakeDaemon.Run run = FakeDaemon.cli("status", "-s", sparse.socket());
            assertThat(run.exit()).isZero();
            assertThat(run.out()).startsWith("cpumapd 0.1.0, pid -, up -, -\n").contains("cpumap: max_entries -, no entries");
        }
    }
}
