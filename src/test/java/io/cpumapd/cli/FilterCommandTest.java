package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpumapd filter show|set}. */
@Timeout(30)
class FilterCommandTest {
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
    void show() {
        daemon.answer("filter.show", "{\"name\": \"l4-hash\", \"params\": {\"cpus\": \"1,2\"}, \"swaps\": 3}");
        FakeDaemon.Run run = FakeDaemon.cli("filter", "show", "-s", daemon.socket());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("""
                filter  l4-hash
                params  cpus=1,2
                swaps   3
                """);
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("{\"cmd\":\"filter.show\"}"));
        assertThat(FakeDaemon.cli("filter", "show", "-j", "-s", daemon.socket()).json().get("swaps").intValue()).isEqualTo(3);
    }

    @Test
    void setSendsNameAndParams() {
        daemon.answer("filter.set", "{\"name\": \"round-robin\", \"params\": {}, \"swaps\": 4}");
        FakeDaemon.Run run = FakeDaemon.cli("filter", "set", "round-robin", "-s", daemon.socket());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("""
                filter  round-robin
                params  -
                swaps   4
                """);
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json("{\"cmd\":\"filter.set\",\"name\":\"round-robin\"}"));

        FakeDaemon.Run withParams = FakeDaemon.cli("filter", "set", "l4-filter", "--param", "port=9", "--param",
                "cpus=1,2", "-p", "-s", daemon.socket());
        assertThat(withParams.exit()).isZero();
        assertThat(withParams.json().get("swaps").intValue()).isEqualTo(4);
        assertThat(daemon.lastRequest()).isEqualTo(FakeDaemon.json(
                "{\"cmd\":\"filter.set\",\"name\":\"l4-filter\",\"params\":{\"port\":\"9\",\"cpus\":\"1,2\"}}"));
    }

    @Test
    void aFilterThatCannotLoadExits16AndSaysSo() {
        daemon.fail("filter.set", "EFILTER", "no filter named 'nope'; l4-hash stays");
        FakeDaemon.Run run = FakeDaemon.cli("filter", "set", "nope", "-s", daemon.socket());
        assertThat(run.exit()).isEqualTo(16);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("cpumapd: no filter named 'nope'; l4-hash stays (EFILTER)\n");
    }
}
