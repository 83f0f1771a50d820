package io.cpumapd.cli;

import io.cpumapd.bench.BenchFrames;
import io.cpumapd.bench.InjectBenchmark;
import io.cpumapd.bench.SegmentTraffic;
import io.cpumapd.bench.TrafficSpec;
import io.cpumapd.bench.Machine;
import io.cpumapd.config.Cpus;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import net.openhft.affinity.Affinity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "inject", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Frames per second one core injects into a TAP: cpumapd's Java injector (batched writev + vnet "
                + "header), a C write() per frame, a C batched writev loop and DPDK's net_tap (rte_eth_tx_burst). "
                + "Interleaved rounds; ratio to the C write() loop.",
                "Frames go to a MAC that is not the TAP's: the kernel marks them PACKET_OTHERHOST and ip_rcv drops "
                        + "them right away."})
public final class BenchInjectCommand implements Callable<Integer> {
    static final String[] METHODS = {"java-injector", "c-write", "c-writev", "dpdk-net_tap"};
    /**
     * With tcp or udp traffic: the consumer's delivery (TapDelivery) with GRO off, on (checksums verified
     * in Java), and on with every mbuf flagged as NIC-verified (RX_IP/L4_CKSUM_GOOD: no Java check),
     * segments per second.
     */
    static final String[] DELIVERY_METHODS = {"delivery-gro-off", "delivery-gro-on", "delivery-gro-on-nic"};

    @Spec
    CommandSpec spec;

    @Option(names = {"-s", "--size"}, split = ",", defaultValue = "64,1500",
            description = "Frame sizes in bytes without FCS (default ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = {"-d", "--duration"}, defaultValue = "2", description = "Seconds per measurement (default ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds, method order rotating (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--batch", defaultValue = "32", description = "Frames per flush / burst (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--core", defaultValue = "-1", description = "Core of the injecting thread (default: the last CPU).")
    int core;

    @Option(names = "--tag", defaultValue = "", paramLabel = "TAG",
            description = "Put TAG (up to 4 characters) in the TAPs' names and the DPDK file prefix, to tell runs apart.")
    String tag;

    @Option(names = "--delivery-only",
            description = "With tcp or udp traffic: measure only the consumer's delivery rows (GRO off, on, on with "
                    + "NIC-verified checksums), not the four injectors.")
    boolean deliveryOnly;

    @Mixin
    BenchJsonOptions output;

    @Mixin
    BenchTrafficOptions traffic;

    @Override
    public Integer call() throws Exception {
        PrintWriter progress = output.progress(spec);
        TrafficSpec trafficSpec = traffic.spec(spec);
        SegmentTraffic bulk = trafficSpec.create();
        if (bulk != null) {
            // Bulk traffic has one frame size; the C loops and net_tap send its first frame over and over.
            sizes = List.of(bulk.frameBytes());
        }
        int cpu = core >= 0 ? core : Cpus.online().length() - 1;
        long pid = ProcessHandle.current().pid();
        if (tag.length() > 4 || !tag.matches("[A-Za-z0-9]*")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tag takes up to 4 letters or digits");
        }
        String dpdkTap = "cpm" + tag + "tap" + pid % 1_000_000;
        List<String> args = List.of("--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry", "-l", "0",
                "--log-level=lib.eal:warning", "--file-prefix=cpumapd-inject-" + tag + pid);
        long durationNs = (long) (durationSeconds * 1e9);
        Map<String, Object> machine;
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Eal eal = Eal.init(args); Mempool pool = Mempool.create("inject", 4095, 256, Mempool.DEFAULT_DATA_ROOM);
                TapDevice tap = TapDevice.create(TapOptions.builder("cpm" + tag + "bench%d").offloads(true).build())) {
            machine = Machine.describe();
            eal.attach("net_tap0,iface=" + dpdkTap);
            Port port = Port.byName("net_tap0");
            try {
                port.configure(1, 1, 512, 512, pool);
                port.start();
                progress.printf("inject: TAP %s (cpumapd, vnet_hdr, up, no address) and %s (DPDK net_tap), one "
                        + "thread on CPU %d, batch %d, %s s per measurement, %d rounds%n", tap.name(), dpdkTap, cpu,
                        batch, durationSeconds, rounds);
                progress.printf("machine: %s, %s CPUs, kernel %s, %s, DPDK %s%n", machine.get("cpu"),
                        machine.get("onlineCpus"), machine.get("kernel"), machine.get("jdk"), machine.get("dpdk"));
                progress.flush();
                InjectBenchmark bench = new InjectBenchmark(tap, batch, trafficSpec);
                if (bulk != null) {
                    progress.printf("traffic: %s; the Java injector cycles through %d of its frames, the C loops "
                            + "and net_tap repeat the first%n", bulk, InjectBenchmark.TRAFFIC_CYCLE);
                }
                String[] methods = METHODS;
                if (bulk != null) {
                    methods = java.util.Arrays.copyOf(METHODS, METHODS.length + DELIVERY_METHODS.length);
                    System.arraycopy(DELIVERY_METHODS, 0, methods, METHODS.length, DELIVERY_METHODS.length);
                    progress.printf("delivery-gro-off/on/on-nic: the consumer's TapDelivery, %d mbufs per round "
                            + "(traffic written into them, then passed, one flush); rate = segments delivered per "
                            + "second of the thread; consumer = per second of the passes and flushes alone (the "
                            + "writing is RX's work); on: checksums verified in Java, on-nic: mbufs flagged "
                            + "RX_IP/L4_CKSUM_GOOD%n",
                            InjectBenchmark.ROUND);
                }
                final String[] all = methods;
                for (int size : sizes) {
                    byte[] frame = bulk != null ? trafficSpec.create().next() : BenchFrames.udp(1, size)[0];
                    double[][] pps = new double[all.length][rounds];
                    double[][] framesPs = new double[all.length][rounds];
                    double[][] gbps = new double[all.length][rounds];
                    double[][] consumerPps = new double[all.length][rounds];
                    long[] errors = new long[all.length];
                    long rx0 = rxPackets(tap.name()) + rxPackets(dpdkTap);
                    runPinned(cpu, () -> {
                        bench.java(frame, durationNs / 4); // JIT warm-up
                        if (all.length > METHODS.length) {
                            bench.delivery(true, pool, durationNs / 4); // JIT warm-up of the GRO path
                        }
                        int firstMethod = deliveryOnly && all.length > METHODS.length ? METHODS.length : 0;
                        int count = all.length - firstMethod;
                        for (int r = 0; r < rounds; r++) {
                            for (int k = 0; k < count; k++) {
                                int m = firstMethod + (k + r) % count;
                                InjectBenchmark.Rate rate;
                                if (m >= METHODS.length) {
                                    InjectBenchmark.DeliveryRate d = bench.delivery(m > METHODS.length,
                                            m == METHODS.length + 2, pool, durationNs);
                                    rate = new InjectBenchmark.Rate(d.segmentsPerSecond(), d.errors());
                                    framesPs[m][r] = d.framesPerSecond();
                                    gbps[m][r] = d.gbps();
                                    consumerPps[m][r] = d.consumerSegmentsPerSecond();
                                } else {
                                    rate = switch (m) {
                                        case 0 -> bench.java(frame, durationNs);
                                        case 1 -> bench.cWrite(frame, durationNs);
                                        case 2 -> bench.cWritev(frame, durationNs);
                                        default -> InjectBenchmark.netTap(port, pool, frame, batch, durationNs);
                                    };
                                    framesPs[m][r] = rate.pps();
                                    gbps[m][r] = rate.pps() * size * 8 / 1e9;
                                }
                                pps[m][r] = rate.pps();
                                errors[m] += rate.errors();
                                progress.printf(Locale.ROOT, "  %5d B  round %d  %-16s %8.3f Mpps %8.3f Mframes/s "
                                        + "%7.2f Gbit/s%s%n", size, r + 1, all[m], rate.pps() / 1e6,
                                        framesPs[m][r] / 1e6, gbps[m][r], m >= METHODS.length
                                                ? String.format(Locale.ROOT, "  consumer %8.3f Mpps",
                                                        consumerPps[m][r] / 1e6) : "");
                                progress.flush();
                            }
                        }
                    });
                    long arrived = rxPackets(tap.name()) + rxPackets(dpdkTap) - rx0;
                    boolean skipped = deliveryOnly && all.length > METHODS.length;
                    double base = skipped ? Double.NaN : median(pps[1]);
                    for (int m = skipped ? METHODS.length : 0; m < all.length; m++) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("frameBytes", size);
                        row.put("method", all[m]);
                        row.put("mpps", median(pps[m]) / 1e6);
                        row.put("framesMpps", median(framesPs[m]) / 1e6);
                        row.put("gbps", median(gbps[m]));
                        row.put("ratioToCWrite", skipped ? null : median(pps[m]) / base); // no write() row: none
                        row.put("errors", errors[m]);
                        row.put("roundsMpps", java.util.Arrays.stream(pps[m]).map(v -> v / 1e6).toArray());
                        if (m >= METHODS.length) {
                            row.put("consumerMpps", median(consumerPps[m]) / 1e6);
                            row.put("roundsConsumerMpps",
                                    java.util.Arrays.stream(consumerPps[m]).map(v -> v / 1e6).toArray());
                        }
                        rows.add(row);
                    }
                    progress.printf(Locale.ROOT, "  %5d B: the two TAPs counted %,d frames received (rx_packets)%n",
                            size, arrived);
                    if (all.length > METHODS.length) {
                        for (int on = METHODS.length + 1; on < all.length; on++) {
                            printRatio(progress, size, all[on], "segments delivered per second", pps[on],
                                    pps[METHODS.length]);
                            printRatio(progress, size, all[on], "per second of the consumer's part", consumerPps[on],
                                    consumerPps[METHODS.length]);
                        }
                    }
                }
            } finally {
                port.stop();
                port.close(); // net_tap deletes its interface
            }
        }
        progress.printf("%n%6s  %-20s %10s %12s %10s %8s %8s %14s%n", "bytes", "method", "Mpps", "Mframes/s",
                "Gbit/s", "vs write()", "errors", "consumer Mpps");
        for (Map<String, Object> row : rows) {
            Double ratio = (Double) row.get("ratioToCWrite");
            Double consumer = (Double) row.get("consumerMpps");
            progress.printf(Locale.ROOT, "%6d  %-20s %10.3f %12.3f %10.2f %8s %8d %14s%n", row.get("frameBytes"),
                    row.get("method"), (Double) row.get("mpps"), (Double) row.get("framesMpps"),
                    (Double) row.get("gbps"), ratio == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * ratio),
                    row.get("errors"), consumer == null ? "-" : String.format(Locale.ROOT, "%.3f", consumer));
        }
        progress.flush();
        if (output.wanted()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("benchmark", "inject");
            doc.put("machine", machine);
            doc.put("batch", batch);
            doc.put("core", cpu);
            doc.put("durationSeconds", durationSeconds);
            doc.put("rounds", rounds);
            doc.put("results", rows);
            output.write(spec, doc);
        }
        return 0;
    }

    /** The median and the per-round values of {@code on[r] / off[r]}: the ratio of each round's pair. */
    private static void printRatio(PrintWriter out, int size, String method, String what, double[] on, double[] off) {
        double[] ratio = new double[on.length];
        for (int r = 0; r < on.length; r++) {
            ratio[r] = on[r] / off[r];
        }
        out.printf(Locale.ROOT, "  %5d B: %s / gro-off, %s: median %.2f (rounds %s)%n", size, method, what,
                median(ratio), java.util.Arrays.toString(java.util.Arrays.stream(ratio)
                        .map(v -> Math.round(v * 100) / 100.0).toArray()));
    }

    private static long rxPackets(String ifname) {
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/class/net", ifname, "statistics/rx_packets")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Runs {@code body} on a platform thread pinned to {@code cpu} and registered with the EAL. */
    static void runPinned(int cpu, Runnable body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Affinity.setAffinity(cpu);
            Eal.registerThread();
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                Eal.unregisterThread();
            }
        }, "bench-inject");
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get().toString(), failure.get());
        }
    }
}
