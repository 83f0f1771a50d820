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

/**
 * iperf3 TCP, client → host, through cpumapd with GRO on and with GRO off (switched on the same
 * daemon with {@code cpumap.update gro}), against a plain veth pair, rounds alternating the three
 * (order rotating) so all see the same machine. The setup of {@link IperfTwoWayBenchmark}: the
 * example config veth-af-xdp.yaml (one RX worker on cpu 0, consumers on cpus 0 and 1, l4-hash).
 * Prints each figure, the TAP's segments per frame, and the ratios per round. Asserts nothing.
 *
 * <pre>mvn -q test-compile
 * java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   io.cpumapd.twoway.GroIperfBenchmark [secondsPerRun=5] [rounds=3] [tag=16g]</pre>
 */
public final class GroIperfBenchmark {
    private GroIperfBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String tag = args.length > 2 ? args[2] : "16g";
        Path dir = Files.createTempDirectory("cpumapd-gro-iperf");
        try (TwoWayLab lab = TwoWayLab.create(1, tag);
                NetNamespace a = NetNamespace.create(tag + "pa");
                NetNamespace b = NetNamespace.create(tag + "pb")) {
            DaemonProcess d = lab.start(dir, IperfTwoWayBenchmark.exampleConfig(lab, dir));
            IperfTwoWayBenchmark.plainPair(a, b, tag + "p", "198.19.16");
            String[] paths = {"plain veth", "cpumapd gro on", "cpumapd gro off"};
            List<double[]> all = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] bps = new double[3];
                double[] segsPerFrame = new double[3];
                for (int k = 0; k < 3; k++) {
                    int p = (k + r) % 3;
                    if (p == 0) {
                        bps[p] = IperfTwoWayBenchmark.iperf(a, b.name(), "198.19.16.2", false, false, seconds);
                    } else {
                        gro(d, p == 1);
                        JsonNode s0 = GroTransferTest.call(d, Requests.create("stats"));
                        bps[p] = IperfTwoWayBenchmark.iperf(lab.client(0), lab.host().name(), TwoWayLab.tapIpv4(0),
                                false, false, seconds);
                        JsonNode s1 = GroTransferTest.call(d, Requests.create("stats"));
                        long frames = GroTransferTest.tap(s1, "packets") - GroTransferTest.tap(s0, "packets");
                        long segments = frames
                                - (GroTransferTest.tap(s1, "gro_frames") - GroTransferTest.tap(s0, "gro_frames"))
                                + GroTransferTest.tap(s1, "gro_segments") - GroTransferTest.tap(s0, "gro_segments");
                        segsPerFrame[p] = frames == 0 ? 0 : segments / (double) frames;
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

    private static void gro(DaemonProcess d, boolean on) throws Exception {
        for (int cpu = 0; cpu < 2; cpu++) {
            GroTransferTest.call(d,
                    Requests.create("cpumap.update").put("cpu", cpu).put("qsize", 2048).put("gro", on ? "on" : "off"));
        }
    }
}
