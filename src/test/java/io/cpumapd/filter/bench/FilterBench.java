package io.cpumapd.filter.bench;

import io.cpumapd.filter.Filters;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * ns per packet of the RX worker's per-packet work (wrap the mbuf, run the filter) for no-touch,
 * l4-hash and an ACL of 10,000 prefixes, over 1024 prepared mbufs of mixed IPv4 / IPv6 flows.
 * Filters are measured in turns within each round, so a noisy neighbour hits all of them alike;
 * the best round is reported. Prints figures, asserts nothing. {@code [filters]} (comma-separated)
 * runs only those; {@code -Dbench.v6percent=N} (25) and {@code -Dbench.listedpercent=N} (50) set the
 * share of IPv6 frames and of IPv4 frames inside a listed prefix, {@code -Dbench.rules=mixed} the kind
 * of rule set ({@link BenchTraffic}). {@code parse} is the common header parse alone, for reference.
 *
 * <pre>java -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   --enable-native-access=ALL-UNNAMED io.cpumapd.filter.bench.FilterBench [packetsPerRound] [rounds] [filters]</pre>
 */
public final class FilterBench {
    private static final int FRAMES = 1024;
    /** DPDK's default mbuf data room: frames take the cache a real mempool's would. */
    private static final int DATA_ROOM = 2048;
    private static final int ACL_PREFIXES = 10_000;

    private FilterBench() {
    }

    public static void main(String[] args) throws Exception {
        int packets = args.length > 0 ? Integer.parseInt(args[0]) : 20_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        // A third argument runs only the named filters; one per JVM keeps the filter call monomorphic.
        List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of();
        for (Map.Entry<String, Double> e : run(packets, rounds, only).entrySet()) {
            System.out.printf("%-12s %7.2f ns/packet%n", e.getKey(), e.getValue());
        }
    }

    /** Best ns/packet per filter over {@code rounds} rounds of {@code packets} packets each. */
    public static Map<String, Double> run(int packets, int rounds) throws Exception {
        return run(packets, rounds, List.of());
    }

    /** As {@link #run(int, int)}, for the filters named in {@code only} (all when empty). */
    public static Map<String, Double> run(int packets, int rounds, List<String> only) throws Exception {
        Random rnd = new Random(1);
        TargetSet targets = TargetSet.of(0, 1, 2, 3);
        Path rules = Files.createTempFile("acl-10k", ".rules");
        List<int[]> prefixes = BenchTraffic.prefixes(rnd, ACL_PREFIXES);
        Files.write(rules, BenchTraffic.rules(prefixes, "drop"));
        Map<String, PacketFilter> filters = new LinkedHashMap<>();
        filters.put("no-touch", Filters.create("no-touch", Map.of(), targets));
        filters.put("parse", BenchTraffic.parseOnly(1));
        filters.put("l4-hash", Filters.create("l4-hash", Map.of(), targets));
        filters.put("acl-empty", Filters.create("acl", Map.of("default", "redirect:0"), targets));
        filters.put("acl-10k", Filters.create("acl", Map.of("rules", rules.toString(), "default", "redirect:0"), targets));
        Files.delete(rules);
        if (!only.isEmpty()) {
            filters.keySet().retainAll(only);
        }

        try (FilterHarness harness = new FilterHarness(FRAMES, DATA_ROOM)) {
            long[] mbufs = new long[FRAMES];
            for (int i = 0; i < FRAMES; i++) {
                mbufs[i] = harness.load(i, BenchTraffic.frame(rnd, prefixes));
            }
            Map<String, Double> best = new LinkedHashMap<>();
            Packet packet = new Packet();
            for (int round = -1; round < rounds; round++) { // round -1 warms the JIT up
                for (Map.Entry<String, PacketFilter> e : filters.entrySet()) {
                    double ns = measure(e.getValue(), packet, mbufs, round < 0 ? packets / 4 : packets);
                    if (round >= 0) {
                        best.merge(e.getKey(), ns, Math::min);
                    }
                }
            }
            return best;
        }
    }

    private static long sink;

    private static double measure(PacketFilter f, Packet packet, long[] mbufs, int packets) {
        int mask = mbufs.length - 1;
        long acc = 0;
        long start = System.nanoTime();
        for (int i = 0; i < packets; i++) {
            packet.wrap(mbufs[i & mask]);
            acc += f.filter(packet).ordinal() + packet.targetKey();
        }
        long elapsed = System.nanoTime() - start;
        sink += acc;
        return (double) elapsed / packets;
    }
}
