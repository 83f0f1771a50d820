package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpumapd cpumap show|dump|update|delete}: the requests sent, the output and exit codes. */
@Timeout(30)
class CpumapCommandTest {
    static final String MAP = """
            {"max_entries": 4, "entries": [{"cpu": 1, "qsize": 2048, "entry_id": 3, "program": "pass"},
                                           {"cpu": 3, "qsize": 16384, "entry_id": 12, "program": "drop-udp9"}]}""";

    @TempDir
    Path dir;
    FakeDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = new FakeDaemon(dir);
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    @Test
    void showPrintsATableAndDumpIsItsAlias() {
        daemon.answer("cpumap.show", MAP);
        for (String verb : new String[] {"show", "dump"}) {
            FakeDaemon.Run run = FakeDaemon.cli("cpumap", verb, "-s", daemon.socket());
            assertThat(run.exit()).isZero();
            assertThat(run.out()).isEqualTo("""
                    cpumap: max_entries 4, 2 entries
                    CPU  QSIZE  ENTRY  PROGRAM
                      1   2048      3  pass
                      3  16384     12  drop-udp9
                    """);
            assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("{\"cmd\":\"cpumap.show\"}"));
        }
        FakeDaemon.Run json = FakeDaemon.cli("cpumap", "show", "-j", "-s", daemon.socket());
        assertThat(json.json()).isEqualTo(FakeDaemon.json(MAP));
    }

    @Test
    void showAnEmptyMap() {
        daemon.answer("cpumap.show", "{\"max_entries\": 2, \"entries\": []}");
        assertThat(FakeDaemon.cli("cpumap", "show", "-s", daemon.socket()).out())
                .isEqualTo("cpumap: max_entries 2, no entries\n");
    }

    @Test
    void updateSendsOnlyWhatWasGiven() {
        daemon.answer("cpumap.update", "{\"entry\": {\"cpu\": 1, \"qsize\": 2048, \"entry_id\": 5, \"program\": \"pass\"}}");
        FakeDaemon.Run run = FakeDaemon.cli("cpumap", "update", "1", "--qsize", "2048", "-s", daemon.socket());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("cpu 1: entry 5, qsize 2048, program pass\n");
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("{\"cmd\":\"cpumap.update\",\"cpu\":1,\"qsize\":2048}"));

        FakeDaemon.Run full = FakeDaemon.cli("cpumap", "update", "2", "--qsize=512", "--prog", "l4-filter",
                "--param", "port=9", "--param", "proto=udp", "--flags", "noexist", "-j", "-s", daemon.socket());
        assertThat(full.exit()).isZero();
        assertThat(full.json().get("entry").get("entry_id").intValue()).isEqualTo(5);
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("""
                {"cmd": "cpumap.update", "cpu": 2, "qsize": 512, "prog": "l4-filter",
                 "params": {"port": "9", "proto": "udp"}, "flags": "noexist"}"""));
    }

    @Test
    void updateSendsGroOnOrOffAndShowsIt() {
        daemon.answer("cpumap.update",
                "{\"entry\": {\"cpu\": 1, \"qsize\": 64, \"entry_id\": 6, \"program\": \"pass\", \"gro\": false}}");
        FakeDaemon.Run run = FakeDaemon.cli("cpumap", "update", "1", "--qsize", "64", "--gro", "off", "-s",
                daemon.socket());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("cpu 1: entry 6, qsize 64, program pass, gro off\n");
        assertThat(daemon.lastRequest())
                .isEqualTo(FakeDaemon.json("{\"cmd\":\"cpumap.update\",\"cpu\":1,\"qsize\":64,\"gro\":\"off\"}"));
        FakeDaemon.Run bad = FakeDaemon.cli("cpumap", "update", "1", "--qsize", "64", "--gro", "maybe", "-s",
                daemon.socket());
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("--gro");
    }

    @Test
    void updateWithQsizeZeroReportsTheDelete() {
        daemon.answer("cpumap.update", "{\"entry\": null}");
        FakeDaemon.Run run = FakeDaemon.cli("cpumap", "update", "1", "--qsize", "0", "-s", daemon.socket());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("cpu 1: entry deleted (qsize 0)\n");
    }

    @Test
    void deleteSaysWhetherThereWasAnEntry() {
        daemon.answer("cpumap.delete", "{\"deleted\": true}", "{\"deleted\": false}");
        FakeDaemon.Run first = FakeDaemon.cli("cpumap", "delete", "1", "-s", daemon.socket());
        assertThat(first.exit()).isZero();
        assertThat(first.out()).isEqualTo("cpu 1: entry deleted\n");
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("{\"cmd\":\"cpumap.delete\",\"cpu\":1}"));
        FakeDaemon.Run second = FakeDaemon.cli("cpumap", "delete", "1", "-s", daemon.socket());
        assertThat(second.exit()).isZero();
        assertThat(second.out()).isEqualTo("cpu 1: no entry\n");
        assertThat(FakeDaemon.cli("cpumap", "delete", "1", "-j", "-s", daemon.socket()).json())
                .isEqualTo(FakeDaemon.json("{\"deleted\": false}"));
    }

    @Test
    void usageErrorsExit2WithoutAsking() {
        for (String[] args : new String[][] {
                {"cpumap", "update", "1", "-s", daemon.socket()},                       // --qsize missing
                {"cpumap", "update", "one", "--qsize", "8", "-s", daemon.socket()},     // CPU not a number
                {"cpumap", "update", "1", "--qsize", "8", "--flags", "sometimes", "-s", daemon.socket()},
                {"cpumap", "update", "1", "--qsize", "8", "--param", "novalue", "-s", daemon.socket()},
                {"cpumap", "delete", "-s", daemon.socket()},
                {"cpumap"},
                {"cpumap", "frob"}}) {
            FakeDaemon.Run run = FakeDaemon.cli(args);
            assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err()).as(String.join(" ", args)).isNotBlank();
            assertThat(run.out()).isEmpty();
        }
        assertThat(daemon.requests).isEmpty();
    }
}
