package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every daemon answer a user can get, as an exit code and one line on stderr. */
@Timeout(30)
class ExitCodesCommandTest {
    @TempDir
    Path dir;

    @Test
    void eachErrnoHasItsExitCode() throws Exception {
        Map<String, Integer> codes = Map.ofEntries(
                Map.entry("E2BIG", 10), Map.entry("ENODEV", 11), Map.entry("EOVERFLOW", 12), Map.entry("EEXIST", 13),
                Map.entry("ENOENT", 14), Map.entry("EINVAL", 15), Map.entry("EFILTER", 16), Map.entry("EBADMSG", 17),
                Map.entry("EMSGSIZE", 17), Map.entry("EOPNOTSUPP", 17), Map.entry("EIO", 1), Map.entry("ENOMEM", 1),
                Map.entry("EPERM", 3));
        try (FakeDaemon daemon = new FakeDaemon(dir)) {
            for (Map.Entry<String, Integer> c : codes.entrySet()) {
                daemon.fail("cpumap.update", c.getKey(), "refused because " + c.getKey());
                FakeDaemon.Run run = FakeDaemon.cli("cpumap", "update", "7", "--qsize", "64", "-s", daemon.socket());
                assertThat(run.exit()).as(c.getKey()).isEqualTo(c.getValue());
                assertThat(run.err()).isEqualTo("cpumapd: refused because " + c.getKey() + " (" + c.getKey() + ")\n");
                assertThat(run.out()).isEmpty();
                daemon.clear("cpumap.update"); // the script repeats its last answer: start afresh
            }
        }
    }

    @Test
    void theKernelCasesThroughEachCommand() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(dir)) {
            daemon.fail("cpumap.update", "E2BIG", "key 7 is outside max_entries 2");
            daemon.fail("cpumap.delete", "EINVAL", "key 9 is outside max_entries 2");
            daemon.fail("cpumap.show", "EIO", "cpumap is closing");
            daemon.fail("status", "EIO", "shutting down");
            daemon.fail("stats", "EIO", "shutting down");
            daemon.fail("filter.show", "EIO", "shutting down");
            assertThat(FakeDaemon.cli("cpumap", "update", "7", "--qsize", "64", "-s", daemon.socket()))
                    .isEqualTo(new FakeDaemon.Run(10, "", "cpumapd: key 7 is outside max_entries 2 (E2BIG)\n"));
            assertThat(FakeDaemon.cli("cpumap", "delete", "9", "-s", daemon.socket()))
                    .isEqualTo(new FakeDaemon.Run(15, "", "cpumapd: key 9 is outside max_entries 2 (EINVAL)\n"));
            assertThat(FakeDaemon.cli("cpumap", "show", "-s", daemon.socket()).exit()).isEqualTo(1);
            assertThat(FakeDaemon.cli("status", "-j", "-s", daemon.socket()).exit()).isEqualTo(1);
            assertThat(FakeDaemon.cli("stats", "-c", "1", "-s", daemon.socket()).exit()).isEqualTo(1);
            assertThat(FakeDaemon.cli("filter", "show", "-s", daemon.socket()).exit()).isEqualTo(1);
        }
    }

    @Test
    void noDaemonIsExit3AndOneLine() {
        Path socket = dir.resolve("run").resolve("cpumapd.sock");
        for (String[] cmd : new String[][] {{"status"}, {"cpumap", "show"}, {"cpumap", "update", "1", "--qsize", "8"},
                {"cpumap", "delete", "1"}, {"filter", "show"}, {"filter", "set", "pass"}, {"stats", "-c", "1"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(cmd),
                    java.util.stream.Stream.of("-s", socket.toString())).toArray(String[]::new);
            FakeDaemon.Run run = FakeDaemon.cli(args);
            assertThat(run.exit()).as(String.join(" ", cmd)).isEqualTo(3);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("cpumapd: cpumapd is not reachable on " + socket
                    + ": no socket file (is the daemon running? start it with 'cpumapd run')\n");
        }
    }

    @Test
    void theSocketOptionDefaultsToTheRunDirectory() {
        FakeDaemon.Run help = FakeDaemon.cli("status", "--help");
        assertThat(help.exit()).isZero();
        String expected = System.getenv().getOrDefault("CPUMAPD_SOCKET", "/run/cpumapd/cpumapd.sock");
        assertThat(help.out().replaceAll("\\s+", " "))
                .contains("-s, --socket=PATH", "(default: " + expected + ";", "-j, --json", "-p, --pretty");
    }

    @Test
    void completionKnowsTheControlCommands() {
        FakeDaemon.Run run = FakeDaemon.cli("generate-completion");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("status", "cpumap", "filter", "stats", "update", "delete", "dump",
                "--qsize", "--flags", "(\"any\" \"noexist\" \"exist\")", "--interval", "--extended");
    }
}
