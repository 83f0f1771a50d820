package io.cpumapd.twoway;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.Requests;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * iperf3 TCP, client → host, through cpumapd with GRO on and with GRO off (switched on the same
 * daemon with {@code cpumap.update gro}), against a plain veth pair, rounds alternating the three
 * (order rotating) so all see the same machine. The setup of {@link IperfTwoWayBenchmark}: the
 * example config veth-af-xdp.yaml (one RX worker on cpu 0, consumers on cpus 0 and 1, l4-hash).
 * Prints each figure, the TAP's segments per frame, and the ratios per round; for the GRO-on run also
 * what /metrics says of it: GRO flushes by reason, GSO frames and segments, RX packets and empty
 * polls, consumer busy and idle time, packets the consumers dequeued. Asserts nothing.
 *
 * <pre>mvn -q test-compile
 * java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   io.cpumapd.twoway.GroIperfBenchmark [secondsPerRun=5] [rounds=3] [tag=16g] [subnet=198.19.16] \
 *   [metricsPort=19160] [paths=veth,on,off] [portArgs]</pre>
 * {@code paths} picks which of the three run (e.g. {@code on} alone, to profile it); {@code portArgs}
 * is appended to the example's net_af_xdp arguments (e.g. {@code ,busy_budget=0}).
 */
public final class GroIperfBenchmark {
    private GroIperfBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String tag = args.length > 2 ? args[2] : "16g";
        String subnet = args.length > 3 ? args[3] : "198.19.16";
        int metricsPort = args.length > 4 ? Integer.parseInt(args[4]) : 19160;
        List<String> wanted = List.of((args.length > 5 ? args[5] : "veth,on,off").split(","));
        String portArgs = args.length > 6 ? args[6] : ""; // e.g. ",busy_budget=0": more net_af_xdp arguments
        Path dir = Files.createTempDirectory("cpumapd-gro-iperf");
        try (TwoWayLab lab = TwoWayLab.create(1, tag);
                NetNamespace a = NetNamespace.create(tag + "pa");
                NetNamespace b = NetNamespace.create(tag + "pb")) {
            // The example has no metrics section (the default port, 9477, may be another run's): one of our own.
            DaemonProcess d = lab.start(dir, IperfTwoWayBenchmark.exampleConfig(lab, dir)
                    .replace("queue_count=1", "queue_count=1" + portArgs)
                    + "\nmetrics: {enabled: true, bind: 127.0.0.1, port: " + metricsPort + "}\n");
            IperfTwoWayBenchmark.plainPair(a, b, tag + "p", subnet);
            String[] names = {"veth", "on", "off"};
            String[] paths = {"plain veth", "cpumapd gro on", "cpumapd gro off"};
            List<double[]> all = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] bps = new double[3];
                double[] segsPerFrame = new double[3];
                for (int k = 0; k < 3; k++) {
                    int p = (k + r) % 3;
                    if (!wanted.contains(names[p])) {
                        continue;
                    }
                    if (p == 0) {
                        bps[p] = IperfTwoWayBenchmark.iperf(a, b.name(), subnet + ".2", false, false, seconds);
                    } else {
                        gro(d, p == 1);
                        Map<String, Double> m0 = scrape(lab.host(), metricsPort);
                        JsonNode s0 = GroTransferTest.call(d, Requests.create("stats"));
                        bps[p] = IperfTwoWayBenchmark.iperf(lab.client(0), lab.host().name(), TwoWayLab.tapIpv4(0),
                                false, false, seconds);
                        JsonNode s1 = GroTransferTest.call(d, Requests.create("stats"));
                        long frames = GroTransferTest.tap(s1, "packets") - GroTransferTest.tap(s0, "packets");
                        long segments = frames
                                - (GroTransferTest.tap(s1, "gro_frames") - GroTransferTest.tap(s0, "gro_frames"))
                                + GroTransferTest.tap(s1, "gro_segments") - GroTransferTest.tap(s0, "gro_segments");
                        segsPerFrame[p] = frames == 0 ? 0 : segments / (double) frames;
                        Map<String, Double> m1 = scrape(lab.host(), metricsPort);
                        System.out.printf("  gro %s: %s%n", p == 1 ? "on " : "off", describe(m0, m1));
                    }
                }
                all.add(bps);
                System.out.printf("round %d  plain veth %7.0f Mbit/s  gro on %7.0f Mbit/s (%.1f segments/frame)  "
                                + "gro off %7.0f Mbit/s (%.1f)  on/veth %.3f  off/veth %.3f  on/off %.2f%n", r + 1,
                        bps[0] / 1e6, bps[1] / 1e6, segsPerFrame[1], bps[2] / 1e6, segsPerFrame[2], bps[1] / bps[0],
                        bps[2] / bps[0], bps[1] / bps[2]);
            }
            double[] mean = new double[3];
            for (double[] v : all) {
                for (int p = 0; p < 3; p++) {
                    mean[p] += v[p] / all.size();
                }
            }
            System.out.printf("mean     plain veth %7.0f Mbit/s  gro on %7.0f Mbit/s  gro off %7.0f Mbit/s  on/veth %.3f"
                    + "  off/veth %.3f  on/off %.2f (%s)%n", mean[0] / 1e6, mean[1] / 1e6, mean[2] / 1e6,
                    mean[1] / mean[0], mean[2] / mean[0], mean[1] / mean[2], String.join(", ", paths));
        }
    }

    /** The daemon's /metrics (it listens on the loopback of the lab's host namespace), each sample to its value. */
    static Map<String, Double> scrape(NetNamespace host, int port) {
        String body = host.exec("curl", "-sf", "http://127.0.0.1:" + port + "/metrics");
        Map<String, Double> m = new TreeMap<>();
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return m;
    }

    /** Sum of the samples whose name starts with {@code prefix} and contain {@code label}, after minus before. */
    static double delta(Map<String, Double> before, Map<String, Double> after, String prefix, String label) {
        double sum = 0;
        for (var e : after.entrySet()) {
            String k = e.getKey();
            if ((k.equals(prefix) || k.startsWith(prefix + "{")) && k.contains(label)) {
                sum += e.getValue() - before.getOrDefault(k, 0.0);
            }
        }
        return sum;
    }

    static String describe(Map<String, Double> m0, Map<String, Double> m1) {
        StringBuilder b = new StringBuilder();
        double frames = delta(m0, m1, "cpumapd_tap_gro_frames_total", "");
        double segs = delta(m0, m1, "cpumapd_tap_gro_segments_total", "");
        double packets = delta(m0, m1, "cpumapd_tap_packets_total", "");
        b.append(String.format("TAP frames %,.0f (GSO %,.0f carrying %,.0f segments, %.1f each; alone %,.0f)", packets,
                frames, segs, frames == 0 ? 0 : segs / frames, packets - frames));
        b.append("; flushes");
        for (String reason : new String[] {"round_end", "limit", "flow_end", "mismatch", "evicted"}) {
            b.append(String.format(" %s %,.0f", reason,
                    delta(m0, m1, "cpumapd_tap_gro_flushes_total", "reason=\"" + reason + "\"")));
        }
        double rx = delta(m0, m1, "cpumapd_rx_packets_total", "");
        double empty = delta(m0, m1, "cpumapd_rx_empty_polls_total", "");
        double dequeued = delta(m0, m1, "cpumapd_consumer_processed_total", "");
        b.append(String.format("; RX packets %,.0f, empty polls %,.0f; consumers dequeued %,.0f", rx, empty, dequeued));
        for (String cpu : new String[] {"0", "1"}) {
            String l = "cpu=\"" + cpu + "\"";
            b.append(String.format("; consumer %s: %,.0f packets, busy %.2f s, idle %.2f s, sched %,.0f", cpu,
                    delta(m0, m1, "cpumapd_consumer_processed_total", l),
                    delta(m0, m1, "cpumapd_consumer_busy_seconds_total", l),
                    delta(m0, m1, "cpumapd_consumer_idle_seconds_total", l),
                    delta(m0, m1, "cpumapd_consumer_sched_total", l)));
        }
        return b.toString();
    }

    private static void gro(DaemonProcess d, boolean on) throws Exception {
        for (int cpu = 0; cpu < 2; cpu++) {
            GroTransferTest.call(d,
                    Requests.create("cpumap.update").put("cpu", cpu).put("qsize", 2048).put("gro", on ? "on" : "off"));
        }
    }
}
