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
 * daemon with {@code cpumap.update gro}), against a plain veth pair, rounds alternating the paths
 * (order rotating) so all see the same machine. The setup of {@link IperfTwoWayBenchmark}: the
 * example config veth-af-xdp.yaml (one RX worker on cpu 0, consumers on cpus 0 and 1, l4-hash).
 * Prints each figure, the TAP's segments per frame, and the ratios per round; for each run where
 * the CPUs went ({@link RunProbe}: per CPU user/system/softirq/idle, the daemon's threads, both
 * iperf3 processes) and the client's TCP state half-way ({@code ss -ti}: RTT, cwnd, retransmits);
 * for cpumapd runs also what /metrics says of it: GRO flushes by reason, GSO frames and segments,
 * RX packets and empty polls, consumer busy and idle time, packets the consumers dequeued.
 * Asserts nothing. The daemons of the runs that are not theirs are stopped (SIGSTOP), so a spinning
 * RX worker takes no CPU from another path's run.
 *
 * <pre>mvn -q test-compile
 * java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   io.cpumapd.twoway.GroIperfBenchmark [secondsPerRun=5] [rounds=3] [tag=16g] [subnet=198.19.16] \
 *   [metricsPort=19160] [paths=veth,on,off] [portArgs] [variant]</pre>
 * {@code paths} picks which run, of: {@code veth} (plain pair, {@code subnet}.0/24), {@code on} and
 * {@code off} (the example, GRO on / off), {@code von} and {@code voff} (a second daemon on its own
 * lab, its config the example's with the {@code variant} edits: {@code from=>to} pairs separated by
 * {@code ;;}, {@code \n} for a newline; its metrics on metricsPort + 1), and {@code xdp} ({@link
 * XdpPass}: a plain pair with XDP_PASS on the receiving end, the kernel alone on cpumapd's wire,
 * on the next subnet). {@code portArgs} is appended to the net_af_xdp arguments of both daemons
 * (e.g. {@code ,busy_budget=64}). The tag is at most 3 characters when a variant runs.
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
        // A second daemon, its config the example's with these edits ("from=>to;;from=>to"), for the paths von, voff.
        String variant = args.length > 7 ? args[7] : System.getProperty("variant", "");
        boolean twoDaemons = !variant.isEmpty();
        Path dir = Files.createTempDirectory("cpumapd-gro-iperf");
        Path dirV = Files.createTempDirectory("cpumapd-gro-iperf-v");
        try (TwoWayLab lab = TwoWayLab.create(1, tag);
                TwoWayLab labV = twoDaemons ? TwoWayLab.create(1, tag + "v") : null;
                NetNamespace a = NetNamespace.create(tag + "pa");
                NetNamespace b = NetNamespace.create(tag + "pb");
                NetNamespace c = wanted.contains("xdp") ? NetNamespace.create(tag + "xa") : null;
                NetNamespace e = wanted.contains("xdp") ? NetNamespace.create(tag + "xb") : null;
                XdpPass xdp = c == null ? null : XdpPass.pair(c, e, tag + "x", subnet2(subnet))) {
            // The example has no metrics section (the default port, 9477, may be another run's): one of our own.
            DaemonProcess d = lab.start(dir, config(lab, dir, portArgs, "", metricsPort));
            DaemonProcess dV = twoDaemons ? labV.start(dirV, config(labV, dirV, portArgs, variant, metricsPort + 1))
                    : null;
            IperfTwoWayBenchmark.plainPair(a, b, tag + "p", subnet);
            String[] names = {"veth", "on", "off", "von", "voff", "xdp"};
            String[] paths = {"plain veth", "cpumapd gro on", "cpumapd gro off", "variant gro on", "variant gro off",
                "veth + XDP_PASS"};
            List<Integer> order = new ArrayList<>();
            for (int p = 0; p < names.length; p++) {
                if (wanted.contains(names[p]) && (p < 3 || p == 5 || twoDaemons)) {
                    order.add(p);
                }
            }
            if (twoDaemons) {
                System.out.println("variant: " + variant);
            }
            List<double[]> all = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] bps = new double[names.length];
                double[] segsPerFrame = new double[names.length];
                System.out.printf("round %d, load average %s%n", r + 1, loadAverage());
                for (int k = 0; k < order.size(); k++) {
                    int p = order.get((k + r) % order.size());
                    // Only the daemon of this run runs: a spinning RX worker of another would take a
                    // CPU from this run (the example's RX worker spins).
                    signal(d, p == 1 || p == 2 ? "CONT" : "STOP");
                    if (dV != null) {
                        signal(dV, p == 3 || p == 4 ? "CONT" : "STOP");
                    }
                    if (p == 0 || p == 5) {
                        NetNamespace from = p == 0 ? a : c;
                        NetNamespace to = p == 0 ? b : e;
                        String address = (p == 0 ? subnet : subnet2(subnet)) + ".2";
                        RunProbe probe = new RunProbe(-1, List.of(from, to));
                        bps[p] = probed(probe, from, seconds,
                                () -> IperfTwoWayBenchmark.iperf(from, to.name(), address, false, false, seconds));
                        System.out.printf("  %-16s %7.0f Mbit/s  %s%n", paths[p], bps[p] / 1e6, probe.result());
                    } else {
                        TwoWayLab l = p < 3 ? lab : labV;
                        DaemonProcess dd = p < 3 ? d : dV;
                        int port = p < 3 ? metricsPort : metricsPort + 1;
                        gro(dd, p == 1 || p == 3);
                        Map<String, Double> m0 = scrape(l.host(), port);
                        JsonNode s0 = GroTransferTest.call(dd, Requests.create("stats"));
                        RunProbe probe = new RunProbe(dd.process().pid(), List.of(l.client(0), l.host()));
                        bps[p] = probed(probe, l.client(0), seconds, () -> IperfTwoWayBenchmark.iperf(l.client(0),
                                l.host().name(), TwoWayLab.tapIpv4(0), false, false, seconds));
                        String cpu = probe.result();
                        JsonNode s1 = GroTransferTest.call(dd, Requests.create("stats"));
                        long frames = GroTransferTest.tap(s1, "packets") - GroTransferTest.tap(s0, "packets");
                        long segments = frames
                                - (GroTransferTest.tap(s1, "gro_frames") - GroTransferTest.tap(s0, "gro_frames"))
                                + GroTransferTest.tap(s1, "gro_segments") - GroTransferTest.tap(s0, "gro_segments");
                        segsPerFrame[p] = frames == 0 ? 0 : segments / (double) frames;
                        Map<String, Double> m1 = scrape(l.host(), port);
                        System.out.printf("  %-16s %7.0f Mbit/s  %s%n    %s%n", paths[p], bps[p] / 1e6, cpu,
                                describe(m0, m1));
                    }
                }
                all.add(bps);
                StringBuilder line = new StringBuilder(String.format("round %d ", r + 1));
                for (int p : order) {
                    line.append(String.format(" %s %.0f Mbit/s", names[p], bps[p] / 1e6));
                    if (p != 0 && segsPerFrame[p] > 0) {
                        line.append(String.format(" (%.1f seg/frame)", segsPerFrame[p]));
                    }
                    if (p != 0 && bps[0] > 0) {
                        line.append(String.format(" %s/veth %.3f", names[p], bps[p] / bps[0]));
                    }
                }
                System.out.println(line);
            }
            signal(d, "CONT"); // to stop as they should
            if (dV != null) {
                signal(dV, "CONT");
            }
            double[] mean = new double[names.length];
            for (double[] v : all) {
                for (int p = 0; p < names.length; p++) {
                    mean[p] += v[p] / all.size();
                }
            }
            StringBuilder line = new StringBuilder("mean    ");
            for (int p : order) {
                line.append(String.format(" %s %.0f Mbit/s", names[p], mean[p] / 1e6));
                if (p != 0 && mean[0] > 0) {
                    line.append(String.format(" %s/veth %.3f", names[p], mean[p] / mean[0]));
                }
            }
            if (mean[1] > 0 && mean[2] > 0) {
                line.append(String.format(" on/off %.2f", mean[1] / mean[2]));
            }
            if (mean[1] > 0 && mean[3] > 0) {
                line.append(String.format(" von/on %.2f", mean[3] / mean[1]));
            }
            System.out.println(line);
        }
    }

    /** Sends SIGSTOP or SIGCONT to the daemon's process. */
    static void signal(DaemonProcess daemon, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(daemon.process().pid()))
                .inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " failed");
        }
    }

    /** The example config on the lab's veth, with {@code portArgs} after its net_af_xdp args, the edits, metrics on. */
    static String config(TwoWayLab lab, Path dir, String portArgs, String edits, int metricsPort) throws Exception {
        String yaml = IperfTwoWayBenchmark.exampleConfig(lab, dir).replace("queue_count=1", "queue_count=1" + portArgs);
        for (String edit : edits.split(";;")) {
            if (edit.isEmpty()) {
                continue;
            }
            int at = edit.indexOf("=>");
            String from = edit.substring(0, at).replace("\\n", "\n");
            if (!yaml.contains(from)) {
                throw new IllegalArgumentException("the config has no '" + from + "'");
            }
            yaml = yaml.replace(from, edit.substring(at + 2).replace("\\n", "\n"));
        }
        return yaml + "\nmetrics: {enabled: true, bind: 127.0.0.1, port: " + metricsPort + "}\n";
    }

    interface Run {
        double run() throws Exception;
    }

    /**
     * Runs {@code run} (an iperf3 of {@code seconds}, its client starting 300 ms in) with the probe's
     * window from 1 s in to about 0.7 s before the client ends, the client's TCP state read half-way.
     */
    static double probed(RunProbe probe, NetNamespace client, int seconds, Run run) throws Exception {
        long t0 = System.nanoTime();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            try {
                sleepUntil(t0, 1000);
                probe.start();
                sleepUntil(t0, seconds * 1000L - 400); // the client ends at about 300 ms + seconds
                probe.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread mid = Thread.ofPlatform().daemon().start(() -> {
            try {
                sleepUntil(t0, 300 + seconds * 500L);
                probe.midRun(client);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        double bps = run.run();
        sampler.join();
        mid.join();
        return bps;
    }

    /** The subnet after {@code subnet} (198.19.73 → 198.19.74), for the XDP_PASS pair. */
    static String subnet2(String subnet) {
        int dot = subnet.lastIndexOf('.');
        return subnet.substring(0, dot + 1) + (Integer.parseInt(subnet.substring(dot + 1)) + 1);
    }

    private static void sleepUntil(long t0, long ms) throws InterruptedException {
        long left = ms - (System.nanoTime() - t0) / 1_000_000;
        if (left > 0) {
            Thread.sleep(left);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
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
