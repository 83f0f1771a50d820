package io.cpumapd.filter.bench;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.filter.Filters;
import io.cpumapd.filter.Programs;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pcap.PcapWriter;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.pipeline.PipelineSpec;
import io.cpumapd.testkit.TestEal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The ACL's cost in the real RX worker: a {@link Pipeline} (mempool, a {@code net_pcap} port replaying
 * 1024 IP frames with {@code infinite_rx=1}, one RX worker on cpu 0, a cpumap entry on cpu 1 running
 * the second-stage program {@code drop}, no TAP), the RX filter swapped between rounds, so every
 * filter sees the same machine: {@code no-touch}, {@code touch} (reads the EtherType: what reading
 * the frame itself costs), {@code parse} (the common header parse alone), {@code l4-hash} and {@code acl-empty} (the parse alone, for reference),
 * {@code acl-10k} (10,000 random IPv4 source prefixes
 * /16../32 and one IPv6 rule; matches and default both redirect to cpu 1, so the RX worker does the
 * same enqueue work as for no-touch and only the classification differs) and {@code acl-10k-drop}
 * (the same prefixes as a blocklist: matches DROP on the RX core). Frames ({@link BenchTraffic}, as in
 * {@link FilterBench}): 3 in 4 IPv4, half of those inside a listed prefix; 1 in 4 IPv6; UDP and TCP. Prints Mpps per round (RX counter of the worker over
 * the round), the median per filter and the ratio to no-touch. Asserts nothing. The frames never
 * leave the process (no TAP, no NIC), so their addresses span the whole IPv4 space as a blocklist would.
 * {@code -Dacl.prefixes=N} changes the prefix count (the filter keeps its {@code acl-10k} name);
 * {@code -Dbench.rules=mixed} the kind of rule set ({@link BenchTraffic}).
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   io.cpumapd.filter.bench.AclRxBench [secondsPerRound] [rounds]</pre>
 */
public final class AclRxBench {
    private static final int FRAMES = 1024;
    private static final int PREFIXES = Integer.getInteger("acl.prefixes", 10_000);

    private AclRxBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        // A third argument runs only the named filters: one per JVM keeps the worker's filter call
        // monomorphic, as in a daemon that runs one filter, instead of profiled over all five.
        List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of();
        Map<String, double[]> mpps = run(seconds, rounds, only);
        double base = mpps.containsKey("no-touch") ? median(mpps.get("no-touch")) : Double.NaN;
        for (Map.Entry<String, double[]> e : mpps.entrySet()) {
            double m = median(e.getValue());
            // The best round: on a machine that drifts between a fast and a slow phase, the figure
            // of its fast phase (compare best rounds of runs made in turn).
            double best = Arrays.stream(e.getValue()).max().orElse(Double.NaN);
            System.out.printf("%-13s median %6.2f Mpps (%6.1f ns/pkt)  no-touch/this %.2f  best %6.1f ns/pkt  rounds %s%n",
                    e.getKey(), m, 1e3 / m, base / m, 1e3 / best, Arrays.toString(Arrays.stream(e.getValue())
                            .map(v -> Math.round(v * 100) / 100.0).toArray()));
            if (mpps.containsKey("no-touch") && !e.getKey().equals("no-touch")) {
                // Rounds of two filters run back to back: their ratio sees one machine state, where
                // medians over a run can each come from a different one on a machine that drifts.
                double[] paired = new double[e.getValue().length];
                for (int i = 0; i < paired.length; i++) {
                    paired[i] = mpps.get("no-touch")[i] / e.getValue()[i];
                }
                System.out.printf("%-13s paired no-touch/this per round: median %.2f  %s%n", "", median(paired),
                        Arrays.toString(Arrays.stream(paired).map(v -> Math.round(v * 100) / 100.0).toArray()));
            }
        }
    }

    /** Mpps of the RX worker per filter and round. */
    public static Map<String, double[]> run(double secondsPerRound, int rounds) throws Exception {
        return run(secondsPerRound, rounds, List.of());
    }

    /** As {@link #run(double, int)}, for the filters named in {@code only} (all when empty). */
    public static Map<String, double[]> run(double secondsPerRound, int rounds, List<String> only) throws Exception {
        Random rnd = new Random(7);
        Path tmp = Files.createTempDirectory("acl-rx-bench");
        List<int[]> prefixes = BenchTraffic.prefixes(rnd, PREFIXES);
        Path redirectRules = Files.write(tmp.resolve("redirect.rules"), BenchTraffic.rules(prefixes, "redirect:1"));
        Path dropRules = Files.write(tmp.resolve("drop.rules"), BenchTraffic.rules(prefixes, "drop"));
        Path pcap = tmp.resolve("ip.pcap");
        try (PcapWriter w = new PcapWriter(pcap)) {
            for (int i = 0; i < FRAMES; i++) {
                w.write(BenchTraffic.frame(rnd, prefixes), 1_735_689_600_000_000_000L + i * 1000L);
            }
        }

        TargetSet targets = TargetSet.of(1);
        Map<String, PacketFilter> filters = new LinkedHashMap<>();
        filters.put("no-touch", Filters.create("no-touch", Map.of(), targets));
        filters.put("touch", Filters.create("touch", Map.of(), targets));
        filters.put("parse", BenchTraffic.parseOnly(1));
        filters.put("l4-hash", Filters.create("l4-hash", Map.of(), targets));
        filters.put("acl-empty", Filters.create("acl", Map.of("default", "redirect:1"), targets));
        filters.put("acl-10k", Filters.create("acl", Map.of("rules", redirectRules.toString(), "default", "redirect:1"),
                targets));
        filters.put("acl-10k-drop", Filters.create("acl", Map.of("rules", dropRules.toString(),
                "default", "redirect:1"), targets));
        if (!only.isEmpty()) {
            filters.keySet().retainAll(only);
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        filters.keySet().forEach(k -> out.put(k, new double[rounds]));

        try (Eal eal = TestEal.start("net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1")) {
            PipelineSpec spec = new PipelineSpec("aclbench", 8191, 256, 2048,
                    List.of(new PipelineSpec.PortSpec("replay0", "net_pcap0", 1, 1024, 1024, false)),
                    List.of(new PipelineSpec.WorkerSpec("rx0", 0, List.of(new PipelineSpec.QueueRef("replay0", 0)),
                            false)),
                    2, 8, System.getProperty("acl.idle", "backoff"), null);
            PacketFilter first = filters.values().iterator().next();
            try (Pipeline p = Pipeline.create(spec, w -> first)) {
                p.update(1, 2048, Programs.create("drop", Map.of()), CpuMap.ANY);
                p.startRx();
                Thread.sleep(500);
                for (int round = -1; round < rounds; round++) { // round -1 warms every filter up
                    for (Map.Entry<String, PacketFilter> e : filters.entrySet()) {
                        PacketFilter f = e.getValue();
                        p.setFilter(w -> f);
                        Thread.sleep(100); // the swap lands at the next poll; let the caches settle
                        long rx0 = p.counters().get(RxCounter.RX, 0);
                        long drops0 = p.counters().get(EnqueueCounter.DROPS, 1);
                        long busy0 = p.counters().get(ConsumerCounter.BUSY_NS, 1);
                        long idle0 = p.counters().get(ConsumerCounter.IDLE_NS, 1);
                        long t0 = System.nanoTime();
                        Thread.sleep((long) ((round < 0 ? 0.3 : secondsPerRound) * 1000));
                        long rx1 = p.counters().get(RxCounter.RX, 0);
                        long t1 = System.nanoTime();
                        long drops1 = p.counters().get(EnqueueCounter.DROPS, 1);
                        long busy = p.counters().get(ConsumerCounter.BUSY_NS, 1) - busy0;
                        long idle = p.counters().get(ConsumerCounter.IDLE_NS, 1) - idle0;
                        if (round >= 0) {
                            out.get(e.getKey())[round] = (rx1 - rx0) * 1e3 / (t1 - t0);
                            // Redirects the full cpumap queue refused: the consumer fell behind, and the
                            // RX worker frees those frames itself (a round unlike the others).
                            System.err.printf(
                                    "%-13s round %d: %.2f Mpps, queue-full drops %.1f%%, consumer busy %.0f%%%n",
                                    e.getKey(), round, out.get(e.getKey())[round],
                                    100.0 * (drops1 - drops0) / Math.max(1, rx1 - rx0),
                                    100.0 * busy / Math.max(1, busy + idle));
                        }
                    }
                }
            }
        } finally {
            Files.deleteIfExists(redirectRules);
            Files.deleteIfExists(dropRules);
            Files.deleteIfExists(pcap);
            Files.deleteIfExists(tmp);
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
