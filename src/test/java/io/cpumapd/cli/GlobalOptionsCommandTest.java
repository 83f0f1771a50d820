package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code -s}, {@code -j} and {@code -p} before the command, as grcli takes them; the command's own win. */
@Timeout(30)
class GlobalOptionsCommandTest {
    static final String FILTER = "{\"name\": \"l4-hash\", \"params\": {}, \"swaps\": 0}";

    @TempDir
    Path dir;
    FakeDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = new FakeDaemon(dir).answer("status", StatusCommandTest.STATUS).answer("filter.show", FILTER);
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    @Test
    void socketBeforeTheCommand() {
        FakeDaemon.Run run = FakeDaemon.cli("-s", daemon.socket(), "status");
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("cpumapd 0.1.0, pid 1234");

        FakeDaemon.Run nested = FakeDaemon.cli("--socket=" + daemon.socket(), "filter", "show");
        assertThat(nested.exit()).isZero();
        assertThat(nested.out()).contains("l4-hash");
    }

    @Test
    void aSocketBeforeTheCommandIsTheOneUsed() {
        String missing = dir.resolve("elsewhere.sock").toString();
        FakeDaemon.Run run = FakeDaemon.cli("-s", missing, "status");
        assertThat(run.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(run.err()).contains(missing);
    }

    @Test
    void theCommandsOwnSocketWins() {
        String missing = dir.resolve("elsewhere.sock").toString();
        assertThat(FakeDaemon.cli("-s", missing, "status", "-s", daemon.socket()).exit()).isZero();

        FakeDaemon.Run run = FakeDaemon.cli("-s", daemon.socket(), "status", "-s", missing);
        assertThat(run.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(run.err()).contains(missing);
    }

    @Test
    void jsonAndPrettyBeforeTheCommand() {
        FakeDaemon.Run json = FakeDaemon.cli("-j", "-s", daemon.socket(), "filter", "show");
        assertThat(json.exit()).isZero();
        assertThat(json.out().strip()).doesNotContain("\n");
        assertThat(json.json().path("name").asText()).isEqualTo("l4-hash");

        FakeDaemon.Run pretty = FakeDaemon.cli("-p", "-s", daemon.socket(), "filter", "show");
        assertThat(pretty.exit()).isZero();
        assertThat(pretty.out()).contains("\n  \"name\" : \"l4-hash\"");

        // without either, the human text
        assertThat(FakeDaemon.cli("-s", daemon.socket(), "filter", "show").out()).doesNotContain("{");
    }

    @Test
    void helpListsTheOptionsBeforeTheCommand() {
        FakeDaemon.Run run = FakeDaemon.cli("--help");
        assertThat(run.out()).contains("-s, --socket=PATH", "-j, --json", "-p, --pretty");
    }
}
