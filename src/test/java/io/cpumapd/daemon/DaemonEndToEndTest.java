package io.cpumapd.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpumapd.cli.ExitCodes;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.testkit.DaemonConfig;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.DaemonProcess.Cli;
import io.cpumapd.testkit.NetNamespace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as operators run it: {@code cpumapd run --config} in its own process on a replayed
 * capture, its TAP moved into a test namespace and up there, every command driven through the real
 * CLI entry point and the real socket while traffic flows, then SIGTERM with traffic in the rings.
 */
class DaemonEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    /** Where the socket lives: a directory uid 65534 may traverse (the JUnit temp dir is 0700). */
    Path base;

    @org.junit.jupiter.api.BeforeEach
    void traversableBase() throws Exception {
        base = Files.createTempDirectory(Path.of("/tmp"), "cpumapd-e2e", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    @org.junit.jupiter.api.AfterEach
    void removeBase() throws Exception {
        try (var files = Files.walk(base)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String config(Path pcap, String tap, Path socket, int metricsPort, int qsize) {
        return new DaemonConfig(socket).replay(pcap, true).entry(0, qsize, "pass").entry(1, qsize, "pass").tap(tap)
                .metrics(metricsPort).yaml();
    }

    static JsonNode json(Cli c) throws Exception {
        assertThat(c.exit()).as(c.toString()).isZero();
        return JSON.readTree(c.out());
    }

    /** Moves the daemon's TAP into {@code ns} and brings it up there: what the kernel gets stays in the test. */
    static void adoptTap(NetNamespace ns, String tap) {
        ns.moveLink(tap);
        ns.exec("ip", "link", "set", tap, "up");
        ns.exec("ip", "addr", "add", "198.18.0.1/15", "dev", tap);
    }

    @Test
    void everyCommandThroughTheRealCliWhileTrafficFlowsThenSigtermDrains() throws Exception {
        Path pcap = dir.resolve("mixed.pcap");
        new MixedTraffic(5).dstMac("02:00:00:00:00:02").writePcap(pcap, 400);
        String tap = "cpmd" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        Path socket = base.resolve("run/cpumapd.sock");
        Path config = dir.resolve("cpumapd.yaml");
        Files.writeString(config, config(pcap, tap, socket, freePort(), 2048));
        try (NetNamespace ns = NetNamespace.create("cpumapd-daemon");
                DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("daemon.log"))) {
            d.awaitLog("ready (pid", 60_000);
            adoptTap(ns, tap);

            // A second daemon on the same socket refuses to start, before touching DPDK or the TAP.
            DaemonProcess second = DaemonProcess.start(config, socket, dir.resolve("second.log"));
            assertThat(second.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(second.process().exitValue()).isNotZero();
            assertThat(second.log()).contains("another cpumapd is running on " + socket);

            JsonNode status = json(d.cli("status", "-j"));
            assertThat(status.at("/ports/0/name").asText()).isEqualTo("in0");
            assertThat(status.at("/workers/0/cpu").asInt()).isZero();
            assertThat(status.at("/filter/name").asText()).isEqualTo("l4-hash");
            assertThat(status.at("/cpumap/entries")).hasSize(2);
            assertThat(status.at("/tap/name").asText()).isEqualTo(tap);
            Cli text = d.cli("status");
            assertThat(text.exit()).isZero();
            assertThat(text.out()).contains("in0").contains("l4-hash").contains(tap);

            // Live rates, xdp-bench style, as JSON.
            Cli stats = d.cli("stats", "-j", "-c", "2", "-i", "0.5");
            assertThat(stats.exit()).as(stats.toString()).isZero();
            String[] lines = stats.out().strip().split("\n");
            assertThat(lines).hasSize(2);
            JsonNode rates = JSON.readTree(lines[1]);
            assertThat(rates.toString()).contains("rx");
            Cli extended = d.cli("stats", "-e", "-c", "1", "-i", "0.5");
            assertThat(extended.exit()).isZero();
            assertThat(extended.out()).contains("cpu 0").contains("cpu 1");

            // The kernel's error cases, each with its own message and exit code.
            assertThat(d.cli("cpumap", "update", "5", "--qsize", "64").exit()).isEqualTo(ExitCodes.E2BIG);
            Cli overflow = d.cli("cpumap", "update", "1", "--qsize", "20000");
            assertThat(overflow.exit()).isEqualTo(ExitCodes.EOVERFLOW);
            assertThat(overflow.err()).contains("20000").contains("EOVERFLOW");
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "64", "--flags", "noexist").exit())
                    .isEqualTo(ExitCodes.EEXIST);
            assertThat(d.cli("cpumap", "delete", "7").exit()).isEqualTo(ExitCodes.EINVAL);

            // Update and delete under traffic: counters show it.
            JsonNode updated = json(d.cli("cpumap", "update", "1", "--qsize", "512", "-j"));
            assertThat(updated.at("/entry/qsize").asInt()).isEqualTo(512);
            assertThat(json(d.cli("cpumap", "show", "-j")).at("/entries/1/qsize").asInt()).isEqualTo(512);
            assertThat(d.cli("cpumap", "delete", "1").exit()).isZero();
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "64", "--flags", "exist").exit())
                    .isEqualTo(ExitCodes.ENOENT);
            JsonNode after = json(d.cli("cpumap", "dump", "-j"));
            assertThat(after.at("/entries")).hasSize(1);
            long enqueued0 = counter(d, "enqueue", 0, "enqueued");
            assertThat(grows(d, "enqueue", 0, "enqueued", enqueued0))
                    .as("with cpu 1 deleted, the hash spreads over cpu 0 only").isGreaterThan(enqueued0);
            long to1 = counter(d, "enqueue", 1, "enqueued");
            Thread.sleep(300);
            assertThat(counter(d, "enqueue", 1, "enqueued")).isEqualTo(to1);
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "256", "--prog", "drop").exit()).isZero();
            assertThat(grows(d, "consumers", 1, "drop", 0)).as("second-stage drop on the new entry").isPositive();

            // Filter swap, and a bad one that leaves the old in place.
            assertThat(json(d.cli("filter", "set", "round-robin", "-j")).at("/name").asText()).isEqualTo("round-robin");
            Cli bad = d.cli("filter", "set", "no-such-filter");
            assertThat(bad.exit()).isEqualTo(ExitCodes.EFILTER);
            assertThat(bad.err()).contains("no-such-filter");
            JsonNode filter = json(d.cli("filter", "show", "-j"));
            assertThat(filter.at("/name").asText()).isEqualTo("round-robin");
            assertThat(filter.at("/swaps").asLong()).isEqualTo(1);

            // Malformed and unknown requests on the raw socket: error replies, the daemon keeps serving.
            assertThat(raw(socket, "{not json")).contains("\"errno\":\"EBADMSG\"");
            assertThat(raw(socket, "{\"cmd\":\"reboot\"}")).contains("\"errno\":\"EOPNOTSUPP\"");
            assertThat(raw(socket, "{\"cmd\":\"cpumap.update\",\"cpu\":\"one\",\"qsize\":1}")).contains("EBADMSG");
            assertThat(d.cli("status").exit()).isZero();

            // A client from another uid: refused by the file modes (0700 dir, 0600 socket), and,
            // with the modes opened up by hand, by the peer credential check itself.
            assertThat(asNobody(socket)).contains("Permission denied");
            Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertThat(asNobody(socket)).contains("\"errno\":\"EPERM\"");
            assertThat(d.cli("status").exit()).isZero();

            // SIGTERM while the rings are busy: everything enqueued is processed, exit 0, mempool full.
            long ringDrops = counter(d, "enqueue", 0, "drops") + counter(d, "enqueue", 1, "drops");
            assertThat(ringDrops).as("the replay outruns the TAP: the rings are full when SIGTERM comes").isPositive();
            int exit = d.terminate(60_000);
            assertThat(exit).as(d.log()).isZero();
            String log = d.log();
            assertThat(log).contains("mempool: full again");
            Matcher m = Pattern.compile("enqueued (\\d+), enqueue drops (\\d+), processed (\\d+)").matcher(log);
            assertThat(m.find()).as(log).isTrue();
            assertThat(Long.parseLong(m.group(3))).as("every enqueued packet was processed").isEqualTo(Long.parseLong(m.group(1)));
            assertThat(Files.exists(socket)).as("socket removed").isFalse();
            Cli gone = DaemonProcess.Cli.run("status", "-s", socket.toString());
            assertThat(gone.exit()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(gone.err().strip().lines()).hasSize(1);
        }
    }

    /** The counter once it is above {@code than}, or its value after 10 s (a loaded machine may be slow to forward). */
    private static long grows(DaemonProcess d, String block, int cpu, String field, long than) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long v;
        do {
            Thread.sleep(100);
            v = counter(d, block, cpu, field);
        } while (v <= than && System.nanoTime() < deadline);
        return v;
    }

    private static long counter(DaemonProcess d, String block, int cpu, String field) throws Exception {
        JsonNode s = new ControlClient(d.socket(), Duration.ofSeconds(5)).call(Requests.create("stats"));
        for (JsonNode n : s.get(block)) {
            if (n.get("cpu").asInt() == cpu) {
                return n.get(field).asLong();
            }
        }
        return 0;
    }

    /** A status request from uid 65534, as a single-file Java program run with setpriv. */
    private String asNobody(Path socket) throws Exception {
        Path src = base.resolve("PeerClient.java");
        if (!Files.exists(src)) {
            Files.writeString(src, """
                    import java.net.StandardProtocolFamily;
                    import java.net.UnixDomainSocketAddress;
                    import java.nio.ByteBuffer;
                    import java.nio.channels.SocketChannel;
                    import java.nio.charset.StandardCharsets;
                    public class PeerClient {
                        public static void main(String[] a) {
                            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                                ch.connect(UnixDomainSocketAddress.of(a[0]));
                                try {
                                    ch.write(ByteBuffer.wrap("{\\"cmd\\":\\"status\\"}\\n".getBytes(StandardCharsets.UTF_8)));
                                } catch (java.io.IOException e) {
                                    // a refused peer is answered and closed at once: its reply is still there to read
                                }
                                ByteBuffer b = ByteBuffer.allocate(65536);
                                int n = ch.read(b);
                                System.out.println(n < 0 ? "EOF" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip());
                            } catch (Exception e) {
                                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
                            }
                        }
                    }
                    """);
            Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
        }
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", java,
                "-XX:-UsePerfData", "-Xshare:off", src.toString(), socket.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static String raw(Path socket, String line) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)).readLine();
        }
    }
}
