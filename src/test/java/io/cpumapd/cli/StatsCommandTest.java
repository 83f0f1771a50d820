package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cpumapd stats}: rates from scripted snapshots. The daemon's clock ({@code time_ns}) says
 * 200 ms, then 250 ms passed, so the expected rates are exact whatever this machine's load.
 */
@Timeout(30)
class StatsCommandTest {
    static final String S0 = """
            {"time_ns": 1000000000,
             "rx": [{"worker": "rx0", "cpu": 0, "rx": 1000, "aborted": 10, "drop": 20, "pass": 100, "tx": 0,
                     "redirect": 870, "redirect_errors": 5, "exceptions": 2, "pass_drops": 1}],
             "enqueue": [{"cpu": 1, "enqueued": 800, "drops": 70, "bulk_calls": 100, "ring_used": 5, "ring_capacity": 2048}],
             "consumers": [{"cpu": 1, "processed": 800, "drops": 3, "sched": 10, "pass": 790, "drop": 5,
                            "redirect": 0, "exceptions": 2}],
             "tap": [{"queue": 0, "packets": 787, "bytes": 50000, "errors": 3}],
             "ports": [{"name": "replay0", "ipackets": 1000, "ibytes": 64000, "imissed": 0, "ierrors": 0, "rx_nombuf": 0,
                        "opackets": 0, "obytes": 0, "oerrors": 0}],
             "mempool": {"size": 8191, "in_use": 512}}""";
    static final String S1 = """
            {"time_ns": 1200000000,
             "rx": [{"worker": "rx0", "cpu": 0, "rx": 2000, "aborted": 30, "drop": 60, "pass": 240, "tx": 0,
                     "redirect": 1670, "redirect_errors": 15, "exceptions": 4, "pass_drops": 3}],
             "enqueue": [{"cpu": 1, "enqueued": 1560, "drops": 110, "bulk_calls": 195, "ring_used": 9, "ring_capacity": 2048}],
             "consumers": [{"cpu": 1, "processed": 1560, "drops": 7, "sched": 16, "pass": 1540, "drop": 11,
                            "redirect": 0, "exceptions": 6}],
             "tap": [{"queue": 0, "packets": 1533, "bytes": 98000, "errors": 7}],
             "ports": [{"name": "replay0", "ipackets": 2000, "ibytes": 128000, "imissed": 2, "ierrors": 0, "rx_nombuf": 0,
                        "opackets": 0, "obytes": 0, "oerrors": 0}],
             "mempool": {"size": 8191, "in_use": 600}}""";
    /** 250 ms later; cpu 2 got its first entry meanwhile. */
    static final String S2 = """
            {"time_ns": 1450000000,
             "rx": [{"worker": "rx0", "cpu": 0, "rx": 2500, "aborted": 30, "drop": 60, "pass": 240, "tx": 0,
                     "redirect": 2170, "redirect_errors": 15, "exceptions": 4, "pass_drops": 3}],
             "enqueue": [{"cpu": 1, "enqueued": 2010, "drops": 110, "bulk_calls": 251, "ring_used": 0, "ring_capacity": 2048},
                         {"cpu": 2, "enqueued": 50, "drops": 0, "bulk_calls": 10, "ring_used": 1, "ring_capacity": 64}],
             "consumers": [{"cpu": 1, "processed": 2010, "drops": 7, "sched": 16, "pass": 1990, "drop": 11,
                            "redirect": 0, "exceptions": 6},
                           {"cpu": 2, "processed": 49, "drops": 0, "sched": 1, "pass": 49, "drop": 0,
                            "redirect": 0, "exceptions": 0}],
             "tap": [{"queue": 0, "packets": 2032, "bytes": 130000, "errors": 7}],
             "ports": [{"name": "replay0", "ipackets": 2500, "ibytes": 160000, "imissed": 2, "ierrors": 0, "rx_nombuf": 0,
                        "opackets": 0, "obytes": 0, "oerrors": 0}],
             "mempool": {"size": 8191, "in_use": 512}}""";

    @TempDir
    Path dir;
    FakeDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = new FakeDaemon(dir).answer("stats", S0, S1, S2);
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    @Test
    void jsonRatesPerIntervalFromTheDaemonsClock() {
        long t0 = System.nanoTime();
        FakeDaemon.Run run = FakeDaemon.cli("stats", "-c", "2", "-i", "0.2", "-j", "-s", daemon.socket());
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(elapsedMs).isGreaterThanOrEqualTo(380); // two intervals of 0.2 s
        assertThat(daemon.requests).hasSize(3).allMatch(r -> r.equals(FakeDaemon.json("{\"cmd\":\"stats\"}")));
        List<JsonNode> lines = run.jsonLines();
        assertThat(lines).hasSize(2);

        JsonNode first = lines.get(0);
        assertThat(first.get("interval_seconds").doubleValue()).isEqualTo(0.2, within(1e-9));
        JsonNode sum = first.get("summary");
        assertThat(sum.get("rx").doubleValue()).isEqualTo(5000, within(1e-6));
        assertThat(sum.get("redirect").doubleValue()).isEqualTo(4000, within(1e-6));
        // aborted 100 + drop 200 + pass_drops 10 + ring full 200 + consumer drops 20, drop 30, exceptions 20
        assertThat(sum.get("err_drop").doubleValue()).isEqualTo(580, within(1e-6));
        assertThat(sum.get("enqueue").doubleValue()).isEqualTo(3800, within(1e-6));
        assertThat(sum.get("tap").doubleValue()).isEqualTo(3730, within(1e-6));
        JsonNode rx0 = first.get("rx").get(0);
        assertThat(rx0.get("worker").asText()).isEqualTo("rx0");
        assertThat(rx0.get("cpu").intValue()).isZero();
        assertThat(rx0.get("pass").doubleValue()).isEqualTo(700, within(1e-6));
        JsonNode enq = first.get("enqueue").get(0);
        assertThat(enq.get("enqueued").doubleValue()).isEqualTo(3800, within(1e-6));
        assertThat(enq.get("drops").doubleValue()).isEqualTo(200, within(1e-6));
        assertThat(enq.get("bulk_avg").doubleValue()).isEqualTo(8.0, within(1e-9));
        assertThat(enq.get("ring_used").intValue()).isEqualTo(9);  // a level, not a rate
        JsonNode k = first.get("consumers").get(0);
        assertThat(k.get("processed").doubleValue()).isEqualTo(3800, within(1e-6));
        assertThat(k.get("sched").doubleValue()).isEqualTo(30, within(1e-6));
        assertThat(first.get("ports").get(0).get("imissed").doubleValue()).isEqualTo(10, within(1e-6));
        assertThat(first.get("mempool").get("in_use").intValue()).isEqualTo(600);

        JsonNode second = lines.get(1);
        assertThat(second.get("interval_seconds").doubleValue()).isEqualTo(0.25, within(1e-9));
        assertThat(second.get("summary").get("rx").doubleValue()).isEqualTo(2000, within(1e-6));
        assertThat(second.get("summary").get("err_drop").doubleValue()).isZero();
        assertThat(second.get("summary").get("enqueue").doubleValue()).isEqualTo(2000, within(1e-6)); // (450 + 50) / 0.25
        JsonNode cpu2 = second.get("enqueue").get(1);
        assertThat(cpu2.get("cpu").intValue()).isEqualTo(2);
        assertThat(cpu2.get("enqueued").doubleValue()).isEqualTo(200, within(1e-6)); // new: counted from zero
        assertThat(cpu2.get("bulk_avg").doubleValue()).isEqualTo(5.0, within(1e-9));
    }

    @Test
    void terseLinePerInterval() {
        FakeDaemon.Run run = FakeDaemon.cli("stats", "-c", "2", "-i", "0.2", "-s", daemon.socket());
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("Summary +5,000 rx/s +4,000 redirect/s +580 err\\+drop/s +3,800 enqueue pkt/s"
                + " +3,730 tap pkt/s");
        assertThat(lines.get(1)).matches("Summary +2,000 rx/s +2,000 redirect/s +0 err\\+drop/s +2,000 enqueue pkt/s"
                + " +1,996 tap pkt/s");
    }

    @Test
    void extendedBlock() {
        FakeDaemon.Run run = FakeDaemon.cli("stats", "-e", "--count=1", "--interval=0.2", "-s", daemon.socket());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out())
                .containsPattern("(?m)^Summary +5,000 rx/s")
                .containsPattern("(?m)^  receive rx0 \\(cpu 0\\) +5,000 pkt/s +700 pass/s +200 drop/s +0 tx/s +4,000 redir/s"
                        + " +100 aborted/s$")
                .containsPattern("(?m)^  enqueue to cpu 1 +3,800 pkt/s +200 drop/s +8\\.00 bulk-avg$")
                .containsPattern("(?m)^  kthread cpu 1 +3,800 pkt/s +20 drop/s +30 sched +3,750 pass/s +30 drop/s"
                        + " +0 redir/s +20 err/s$")
                .containsPattern("(?m)^  tap queue 0 +3,730 pkt/s +20 errors/s$")
                .containsPattern("(?m)^  port replay0 +5,000 rx pkt/s +10 missed/s +0 rx err/s +0 tx pkt/s$")
                .containsPattern("(?m)^  mempool +600 of 8,191 mbufs in use$");
    }

    @Test
    void badIntervalOrCountIsAUsageError() {
        for (String[] args : new String[][] {{"-i", "0"}, {"-i", "-1"}, {"-i", "soon"}, {"-c", "0"}}) {
            String[] full = {"stats", args[0], args[1], "-s", daemon.socket()};
            FakeDaemon.Run run = FakeDaemon.cli(full);
            assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err()).isNotBlank();
        }
    }
}
