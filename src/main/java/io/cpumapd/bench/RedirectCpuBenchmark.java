package io.cpumapd.bench;

import io.cpumapd.dpdk.Eal;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs redirect-cpu rounds, alternating implementations (java, c, c, java, ...) so both see the
 * same machine, and prints each interval in the shape of {@code xdp-bench redirect-cpu}. Every
 * round gets a fresh source device, pipeline, rings and TAP; the JIT stays warm across rounds.
 */
public final class RedirectCpuBenchmark {
    public static final int FRAME_BYTES = 60;

    /** Builds a running pipeline of {@code impl} on {@code device}. */
    public interface Starter {
        RedirectCpuRun start(String impl, String device, String poolName, byte[][] prefill);
    }

    private final Eal eal;
    private final RedirectCpuConfig config;
    private final Starter starter;
    private final PrintWriter out; // null: quiet (JSON mode)
    private final byte[][] frames;
    private int devices;

    public RedirectCpuBenchmark(Eal eal, RedirectCpuConfig config, Starter starter, PrintWriter out) {
        this.eal = eal;
        this.config = config;
        this.starter = starter;
        this.out = out;
        // Bulk traffic is written by the feeder as it sends; the pool is prefilled with small frames either way.
        this.frames = BenchFrames.udp(config.traffic().segmented() ? 64 : config.traffic().flows(), FRAME_BYTES);
    }

    /** Every round of every implementation, in the order run. */
    public List<RoundResult> run() {
        List<RoundResult> results = new ArrayList<>();
        List<String> order = new ArrayList<>(config.impls());
        for (int r = 1; r <= config.rounds(); r++) {
            for (String impl : order) {
                results.add(round(impl, r));
            }
            order = order.reversed(); // A B, B A, A B: neither always goes first
        }
        return results;
    }

    private String attachSource() {
        return attach(eal, config, devices++);
    }

    /** Hot-plugs source device number {@code n} of {@code config}'s kind; returns its name. */
    static String attach(Eal eal, RedirectCpuConfig config, int n) {
        String device;
        String devargs;
        switch (config.source()) {
            case "null" -> {
                device = "net_null" + n;
                devargs = device + ",size=64,copy=0";
            }
            case "pcap" -> {
                device = "net_pcap" + n;
                devargs = device + ",rx_pcap=" + config.pcapFile() + ",infinite_rx=1";
            }
            case "ring" -> {
                device = "net_ring" + n;
                devargs = device;
            }
            default -> throw new IllegalArgumentException("unknown source '" + config.source()
                    + "': use null, pcap or ring");
        }
        eal.attach(devargs);
        return device;
    }

    private RoundResult round(String impl, int round) {
        String device = attachSource();
        byte[][] prefill = config.source().equals("pcap") ? null : frames;
        boolean ring = config.source().equals("ring");
        RingFeeder feeder = null;
        RedirectCpuRun run = starter.start(impl, device, "bench" + impl + devices, prefill);
        try {
            if (ring) {
                feeder = new RingFeeder(run.port(), run.pool(), FRAME_BYTES, config.latencyPps(),
                        config.traffic().create());
            }
            sleep(config.warmupSeconds());
            long[] threads = run.hotThreadIds();
            long[] alloc0 = threads.length == 0 ? new long[0] : HotThreads.allocatedBytes(threads);
            long gc0 = HotThreads.gcCount();
            long gcMs0 = HotThreads.gcTimeMs();
            run.recordLatency(true);
            long cpu0 = run.rxCpuNs();
            StageSnapshot first = run.snapshot();
            StageSnapshot prev = first;
            long endNs = first.timeNs() + (long) (config.durationSeconds() * 1e9);
            while (prev.timeNs() < endNs - 1_000_000) {
                long left = endNs - System.nanoTime();
                sleep(Math.min(config.intervalSeconds(), Math.max(left, 0) / 1e9));
                StageSnapshot now = run.snapshot();
                printInterval(impl, round, prev, now);
                prev = now;
            }
            run.recordLatency(false);
            StageSnapshot last = prev;
            long rxCpuNs = cpu0 < 0 ? -1 : run.rxCpuNs() - cpu0;
            long[] alloc1 = threads.length == 0 ? new long[0] : HotThreads.allocatedBytes(threads);
            long gcCount = HotThreads.gcCount() - gc0;
            long gcMs = HotThreads.gcTimeMs() - gcMs0;
            if (feeder != null) {
                feeder.close();
                feeder = null;
                // net_ring does not free what is left in its rings on close: let RX drain them first.
                sleep(0.2);
            }
            run.close();
            return result(impl, round, first, last, alloc0, alloc1, gcCount, gcMs, rxCpuNs, run);
        } finally {
            if (feeder != null) {
                feeder.close();
            }
            run.close();
        }
    }

    private RoundResult result(String impl, int round, StageSnapshot a, StageSnapshot b, long[] alloc0,
            long[] alloc1, long gcCount, long gcMs, long rxCpuNs, RedirectCpuRun run) {
        double s = (b.timeNs() - a.timeNs()) / 1e9;
        long rx = b.rx() - a.rx();
        long processed = b.processedTotal() - a.processedTotal();
        long bulks = StageSnapshot.sum(b.bulks()) - StageSnapshot.sum(a.bulks());
        long enq = b.enqueuedTotal() - a.enqueuedTotal();
        long enqDrops = StageSnapshot.sum(b.enqueueDrops()) - StageSnapshot.sum(a.enqueueDrops());
        long rxBytes = -1;
        long consumerBytes = -1;
        if (alloc0.length > 0) {
            rxBytes = alloc1[0] - alloc0[0];
            consumerBytes = 0;
            for (int i = 1; i < alloc0.length; i++) {
                consumerBytes += alloc1[i] - alloc0[i];
            }
        }
        LogHistogram h = run.latency();
        return new RoundResult(impl, round, s, rx / s, (b.redirect() - a.redirect()) / s, enq / s, processed / s,
                (b.errorsAndDrops() - a.errorsAndDrops()) / s, enqDrops / s,
                (StageSnapshot.sum(b.sched()) - StageSnapshot.sum(a.sched())) / s,
                bulks == 0 ? 0 : (enq + enqDrops) / (double) bulks, rxBytes, consumerBytes,
                rxBytes < 0 || rx == 0 ? -1 : rxBytes / (double) rx,
                consumerBytes < 0 || processed == 0 ? -1 : consumerBytes / (double) processed,
                alloc0.length == 0 ? -1 : gcCount, alloc0.length == 0 ? -1 : gcMs,
                h == null ? null : RoundResult.Latency.of(config.latencyPps(), h), run.leaked(),
                rxCpuNs < 0 ? -1 : rxCpuNs / 1e9 / s, rxCpuNs <= 0 ? -1 : rx / (rxCpuNs / 1e9),
                enq + enqDrops == 0 ? -1 : enq / (double) (enq + enqDrops));
    }

    private void printInterval(String impl, int round, StageSnapshot a, StageSnapshot b) {
        if (out == null) {
            return;
        }
        double s = (b.timeNs() - a.timeNs()) / 1e9;
        String tag = String.format(Locale.ROOT, "[%-4s r%d]", impl, round);
        out.printf(Locale.ROOT, "%s Summary %18s rx/s %14s redirect/s %12s err+drop/s%n", tag,
                rate(b.rx() - a.rx(), s), rate(b.redirect() - a.redirect(), s),
                rate(b.errorsAndDrops() - a.errorsAndDrops(), s));
        if (config.extended()) {
            int[] cpus = config.cpus();
            for (int i = 0; i < cpus.length; i++) {
                long enq = b.enqueued()[i] - a.enqueued()[i];
                long drops = b.enqueueDrops()[i] - a.enqueueDrops()[i];
                long bulks = b.bulks()[i] - a.bulks()[i];
                out.printf(Locale.ROOT, "  enqueue %d->%-3d %18s pkt/s %12s drop/s %8.2f bulk-avg%n",
                        config.rxCore(), cpus[i], rate(enq, s), rate(drops, s),
                        bulks == 0 ? 0.0 : (enq + drops) / (double) bulks);
            }
            for (int i = 0; i < cpus.length; i++) {
                out.printf(Locale.ROOT, "  kthread cpu:%-3d %18s pkt/s %12s drop/s %10s sched %12s pass/s %12s drop/s"
                                + " %12s redir/s%n", cpus[i], rate(b.processed()[i] - a.processed()[i], s),
                        rate(b.consumerDrops()[i] - a.consumerDrops()[i] + b.exceptions()[i] - a.exceptions()[i], s),
                        rate(b.sched()[i] - a.sched()[i], s), rate(b.pass()[i] - a.pass()[i], s),
                        rate(b.drop()[i] - a.drop()[i], s), rate(b.redirected()[i] - a.redirected()[i], s));
            }
        }
        out.flush();
    }

    static String rate(long delta, double seconds) {
        return String.format(Locale.ROOT, "%,d", Math.round(delta / seconds));
    }

    static void sleep(double seconds) {
        if (seconds <= 0) {
            return;
        }
        try {
            Thread.sleep((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
