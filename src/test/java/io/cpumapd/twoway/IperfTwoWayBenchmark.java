package io.cpumapd.twoway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpumapd.testkit.Cmd;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * iperf3 (Debian's) through cpumapd against a plain veth pair, in one run: TCP and UDP, from the
 * client to the host's stack and back (-R). cpumapd: the client namespace behind a veth whose other
 * end cpumapd takes through net_af_xdp (example config: one RX worker on cpu 0, consumers on cpus 0
 * and 1, l4-hash), the server on the TAP's address in the host namespace. Plain: two namespaces
 * joined by a veth pair, nothing in between. Rounds alternate the two paths; prints each figure and
 * the ratio cpumapd / plain per round. A benchmark: it asserts nothing.
 *
 * <pre>mvn -q test-compile
 * java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   io.cpumapd.twoway.IperfTwoWayBenchmark [secondsPerRun=5] [rounds=2]</pre>
 *
 * Needs root. The client's veth has checksum offload off on the cpumapd path (AF_XDP on a veth
 * passes partial checksums on; see the example config), on the plain path it keeps the defaults.
 */
public final class IperfTwoWayBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IperfTwoWayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path dir = Files.createTempDirectory("cpumapd-iperf");
        try (TwoWayLab lab = TwoWayLab.create(1);
                NetNamespace a = NetNamespace.create("c14pa");
                NetNamespace b = NetNamespace.create("c14pb")) {
            int metricsPort;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                metricsPort = free.getLocalPort();
            }
            // The example has no metrics section, and the default port (9477) may be a daemon's already.
            lab.start(dir, exampleConfig(lab, dir) + "\nmetrics: {enabled: true, bind: 127.0.0.1, port: " + metricsPort
                    + "}\n");
            plainPair(a, b, "c14p", "198.18.100");
            String[] kinds = {"tcp client->host", "tcp host->client", "udp client->host", "udp host->client"};
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
                for (String kind : kinds) {
                    boolean udp = kind.startsWith("udp");
                    boolean reverse = kind.contains("host->client");
                    double plain = iperf(a, b.name(), "198.18.100.2", udp, reverse, seconds);
                    double cpumapd = iperf(lab.client(0), lab.host().name(), TwoWayLab.tapIpv4(0), udp, reverse,
                            seconds);
                    results.computeIfAbsent(kind, k -> new ArrayList<>()).add(new double[] {cpumapd, plain});
                    System.out.printf("round %d  %-18s cpumapd %8.0f Mbit/s   plain veth %8.0f Mbit/s   ratio %.3f%n",
                            r + 1, kind, cpumapd / 1e6, plain / 1e6, cpumapd / plain);
                }
            }
            System.out.println();
            for (var e : results.entrySet()) {
                double c = e.getValue().stream().mapToDouble(v -> v[0]).average().orElse(0);
                double p = e.getValue().stream().mapToDouble(v -> v[1]).average().orElse(0);
                System.out.printf("mean  %-18s cpumapd %8.0f Mbit/s   plain veth %8.0f Mbit/s   ratio %.3f%n",
                        e.getKey(), c / 1e6, p / 1e6, c / p);
            }
        }
    }

    /** config/examples/veth-af-xdp.yaml on the lab's first link and TAP, its socket in {@code dir}. */
    static String exampleConfig(TwoWayLab lab, Path dir) throws java.io.IOException {
        return Files.readString(Path.of("config/examples/veth-af-xdp.yaml"))
                .replace("iface=veth0", "iface=" + lab.hostLink(0))
                .replace("name: cpumapd0", "name: " + lab.tapName(0))
                .replace("/run/cpumapd/cpumapd.sock", dir.resolve("cpumapd.sock").toString());
    }

    /** A plain veth pair between {@code a} ({@code subnet}.1/24) and {@code b} ({@code subnet}.2/24). */
    static void plainPair(NetNamespace a, NetNamespace b, String linkPrefix, String subnet) {
        String link = linkPrefix + Long.toHexString(System.nanoTime() & 0xFFFFFF);
        a.exec("ip", "link", "add", link + "a", "type", "veth", "peer", "name", link + "b", "netns", b.name());
        a.exec("ip", "addr", "add", subnet + ".1/24", "dev", link + "a");
        b.exec("ip", "addr", "add", subnet + ".2/24", "dev", link + "b");
        for (NetNamespace n : List.of(a, b)) {
            n.exec("ip", "link", "set", "lo", "up");
        }
        a.exec("ip", "link", "set", link + "a", "up");
        b.exec("ip", "link", "set", link + "b", "up");
    }

    /** Bits per second the receiver got: iperf3 server in {@code serverNs} on {@code address}, client in {@code client}. */
    static double iperf(NetNamespace client, String serverNs, String address, boolean udp, boolean reverse,
            int seconds) throws Exception {
        Process server = new ProcessBuilder("ip", "netns", "exec", serverNs, "iperf3", "-s", "-1", "-B", address)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(300);
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", client.name(), "iperf3", "-c", address,
                    "-t", Integer.toString(seconds), "-J"));
            if (udp) {
                cmd.addAll(List.of("-u", "-b", "0", "-l", "1400"));
            }
            if (reverse) {
                cmd.add("-R");
            }
            Cmd.Result res = Cmd.run(Duration.ofSeconds(seconds + 30L), cmd);
            JsonNode end = JSON.readTree(res.output()).path("end");
            if (udp) {
                JsonNode sum = end.path("sum");
                return sum.path("bits_per_second").asDouble() * (1 - sum.path("lost_percent").asDouble() / 100);
            }
            return end.path("sum_received").path("bits_per_second").asDouble();
        } finally {
            server.destroy();
            server.waitFor();
        }
    }
}
