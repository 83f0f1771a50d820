package io.cpumapd.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpumapd.config.Config;
import io.cpumapd.config.ConfigLoader;
import io.cpumapd.testkit.Cmd;
import io.cpumapd.testkit.DaemonConfig;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.NetNamespace;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Debian package as {@code ./cpumapd package} makes it (packaging/deb/build-deb.sh on the jar
 * Maven just built; gzip instead of xz to save a minute): its files, its Depends, lintian, and the
 * package unpacked into a temporary root, run with no JDK and no Maven on PATH: the CLI, and the
 * daemon on the package's own Java runtime.
 */
@Timeout(900)
class DebianPackageIT {
    private static final Path BUILD = Path.of(System.getProperty("cpumapd.build.dir", "target"));
    private static Path work;
    private static Path deb;
    private static String version;
    private static Path root;
    /** A PATH with only what /usr/bin/cpumapd calls (readlink): no java, no mvn. */
    private static Path bin;

    @BeforeAll
    static void buildAndUnpack() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "cpumapd-deb-it");
        ProcessBuilder build = new ProcessBuilder("packaging/deb/build-deb.sh", "--build-dir", BUILD.toString(),
                "--out", work.toString(), "--compression", "gzip");
        build.environment().put("JAVA_HOME", System.getProperty("java.home"));
        String out = run(build, Duration.ofMinutes(8));
        deb = Path.of(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        Matcher m = Pattern.compile("cpumapd_(.+)_amd64\\.deb").matcher(deb.getFileName().toString());
        assertThat(m.matches()).as(deb.toString()).isTrue();
        version = m.group(1);

        root = work.resolve("root");
        Cmd.check("dpkg-deb", "-x", deb.toString(), root.toString());
        bin = Files.createDirectory(work.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("readlink"), Path.of("/usr/bin/readlink"));
    }

    @AfterAll
    static void clean() throws Exception {
        if (work != null) {
            Cmd.check("rm", "-rf", work.toString());
        }
    }

    private static String run(ProcessBuilder pb, Duration timeout) {
        return Cmd.run(timeout, pb).orThrow();
    }

    /** /usr/bin/cpumapd of the unpacked package, in an environment with only {@link #bin} on PATH. */
    private static ProcessBuilder cpumapd(String... args) {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("usr/bin/cpumapd").toString()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", bin.toString());
        env.put("HOME", work.toString());
        env.put("LANG", "C.UTF-8");
        return pb;
    }

    @Test
    void filesOfThePackage() {
        String listing = Cmd.check("dpkg-deb", "-c", deb.toString());
        List<String> files = listing.lines().map(l -> l.substring(l.indexOf("./") + 1)).toList();
        assertThat(files).contains("/usr/bin/cpumapd", "/usr/lib/cpumapd/runtime/bin/java",
                "/usr/lib/cpumapd/runtime/lib/modules", "/usr/lib/cpumapd/runtime/lib/server/libjvm.so",
                "/usr/lib/cpumapd/libcpumapd.so", "/usr/lib/cpumapd/libjnidispatch.so",
                "/usr/share/cpumapd/lib/cpumapd.jar", "/usr/share/cpumapd/mixed-traffic.pcap",
                "/lib/systemd/system/cpumapd.service", "/etc/cpumapd/cpumapd.yaml",
                "/usr/share/bash-completion/completions/cpumapd", "/usr/share/man/man8/cpumapd.8.gz",
                "/usr/share/doc/cpumapd/copyright", "/usr/share/doc/cpumapd/changelog.gz",
                "/usr/share/doc/cpumapd/deployment.md");
        // every run-time jar Maven resolved
        for (String jar : Cmd.check("cat", BUILD.resolve("runtime.classpath").toString()).strip().split(":")) {
            assertThat(files).contains("/usr/share/cpumapd/lib/" + Path.of(jar).getFileName());
        }
        // a runtime, not a JDK: no compiler, no jlink, no headers, no jmods; nothing but java in bin/
        assertThat(files)
                .noneMatch(f -> f.matches(".*/(include|jmods)/.*|/usr/lib/cpumapd/runtime/bin/(?!java$).+|.*\\.h$"))
                .noneMatch(f -> f.startsWith("/opt/"));
        // root-owned; /usr/bin/cpumapd executable
        assertThat(listing.lines().filter(l -> !l.contains(" root/root "))).isEmpty();
        assertThat(listing).containsPattern("-rwxr-xr-x root/root +\\d+ [-0-9]+ [:0-9]+ \\./usr/bin/cpumapd\n");
        assertThat(Cmd.check("dpkg-deb", "-I", deb.toString(), "conffiles").strip())
                .isEqualTo("/etc/cpumapd/cpumapd.yaml");
    }

    @Test
    void dependsOnDpdkRuntimeLibrariesOnly() {
        assertThat(Cmd.check("dpkg-deb", "-f", deb.toString(), "Version").strip()).isEqualTo(version);
        String depends = Cmd.check("dpkg-deb", "-f", deb.toString(), "Depends").strip();
        List<String> names = Arrays.stream(depends.split(","))
                .map(d -> d.strip().split("[ (]")[0]).toList();
        assertThat(names).contains("libc6", "librte-eal23", "librte-ethdev23", "librte-mempool23", "librte-mbuf23",
                "librte-ring23", "librte-mempool-ring23", "librte-bus-vdev23", "librte-net-pcap23", "libpcap0.8",
                "librte-net-tap23");
        assertThat(names).noneMatch(n -> n.endsWith("-dev") || n.matches(".*(jdk|jre|java|maven).*"));
        // real package names: each one is known to dpkg here (the machine has DPDK's runtime installed)
        for (String n : names) {
            assertThat(Cmd.run("dpkg-query", "-W", n).exitCode()).as(n).isZero();
        }
    }

    @Test
    void lintianReportsNoError() {
        ProcessBuilder lintian = new ProcessBuilder("lintian", "--fail-on", "error", deb.toString());
        Cmd.Result r = Cmd.run(Duration.ofMinutes(5), lintian);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().lines().filter(l -> l.startsWith("E: "))).isEmpty();
    }

    /**
     * The packaged unit as systemd reads it ({@code systemd-analyze verify}, which needs no running
     * systemd): no unknown key, no value it would ignore, and commands that exist. The unit names
     * /usr/bin/cpumapd, so a copy names the unpacked one instead; nothing else is changed.
     */
    @Test
    void systemdAcceptsTheUnitAsIs() throws Exception {
        String unit = Files.readString(root.resolve("lib/systemd/system/cpumapd.service"));
        assertThat(unit).contains("ExecStart=/usr/bin/cpumapd ", "ExecReload=/usr/bin/cpumapd ");
        Path dir = Files.createDirectory(work.resolve("unit"));
        Path copy = Files.writeString(dir.resolve("cpumapd.service"),
                unit.replace("/usr/bin/cpumapd", root.resolve("usr/bin/cpumapd").toString()));
        Cmd.Result r = Cmd.run(Duration.ofSeconds(60), List.of("systemd-analyze", "verify", "--man=no", copy.toString()));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().strip()).as("warnings of systemd-analyze verify").isEmpty();

        // The check itself finds a broken unit: a misspelt value is only a warning, the exit code stays 0.
        Path bad = Files.writeString(dir.resolve("cpumapd-bad.service"), Files.readString(copy)
                .replace("Type=notify", "Type=notfy"));
        assertThat(Cmd.run(Duration.ofSeconds(60), List.of("systemd-analyze", "verify", "--man=no", bad.toString()))
                .output()).contains("notfy");
    }

    @Test
    void runsFromTheUnpackedRootWithoutJdkOrMaven() throws Exception {
        try (var entries = Files.list(bin)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("readlink");
        }
        String versionOut = run(cpumapd("--version"), Duration.ofSeconds(60));
        assertThat(versionOut).startsWith("cpumapd ").contains("Java 25");

        String config = run(cpumapd("run", "--print-config"), Duration.ofSeconds(60));
        assertThat(config).contains("tap:", "name: \"cpumapd0\"", "rx_pcap=");

        String modules = Cmd.check(root.resolve("usr/lib/cpumapd/runtime/bin/java").toString(), "--list-modules");
        assertThat(modules).contains("java.base@", "jdk.httpserver@", "jdk.net@", "jdk.management@",
                "jdk.unsupported@", "jdk.security.auth@").doesNotContain("java.desktop@", "java.compiler@");

        // The conffile replays the capture from where the package installs it.
        Config installed = ConfigLoader.load(root.resolve("etc/cpumapd/cpumapd.yaml"), false);
        assertThat(installed.ports().getFirst().args()).contains("rx_pcap=/usr/share/cpumapd/mixed-traffic.pcap");
        assertThat(root.resolve("usr/share/cpumapd/mixed-traffic.pcap")).exists();
    }

    @Test
    void daemonRunsOnThePackagedRuntime() throws Exception {
        Path dir = Files.createDirectory(work.resolve("daemon"));
        Path socket = dir.resolve("cpumapd.sock");
        String tap = "cpmpk" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("cpumapd.yaml");
        Files.writeString(config, new DaemonConfig(socket).replay(root.resolve("usr/share/cpumapd/mixed-traffic.pcap"),
                true).entry(0, 1024, "pass").entry(1, 1024, "pass").tap(tap).metrics(port).yaml());
        try (NetNamespace ns = NetNamespace.create("cpumapd-deb");
                DaemonProcess d = DaemonProcess.start(cpumapd("run", "--config", config.toString()), socket,
                        dir.resolve("daemon.log"))) {
            d.awaitLog("ready (pid", 60_000);
            ns.moveLink(tap);   // what the consumers inject stays in the test's namespace

            // the packaged CLI, options before the command (control socket: SO_PEERCRED through jdk.net);
            // a long timeout: the RX worker busy-polls one of this machine's two cores
            String reply = run(cpumapd("-s", socket.toString(), "-j", "status", "--timeout", "30"),
                    Duration.ofSeconds(60));
            JsonNode status = new ObjectMapper().readTree(reply);
            assertThat(status.at("/tap/name").asText()).isEqualTo(tap);
            assertThat(status.at("/cpumap/entries")).hasSize(2);

            // metrics through jdk.httpserver, JVM meters through jdk.management
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("cpumapd_rx_packets_total", "jvm_memory_used_bytes");

            // SIGTERM: the orderly stop, every mbuf back in the pool (exit 0)
            assertThat(d.terminate(30_000)).as(d.log()).isZero();
        }
    }
}
