package io.cpumapd.bench;

import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.CpuMapException;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.pipeline.Pipeline;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bench redirect-cpu --stress}: the Java pipeline under traffic while its cpumap entries are
 * re-created with qsize 1024, 8, 16000 (cycling), as {@code xdp-bench redirect-cpu -x} does. Either
 * one update per entry every interval for the round's duration, or a given number of updates as fast
 * as they go. RX is measured over the same window before and after the churn (the churn's retirements
 * all finished), with the process's memory (RSS, DPDK heap, JVM native memory when tracked), the
 * lcores in use and the hot threads alive around it; the mempool is checked full once the pipeline
 * is down.
 */
public final class RedirectCpuStress {
    /** The qsizes of xdp-bench's stress mode, in its order. */
    static final int[] QSIZES = {1024, 8, 16000};
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    private final Eal eal;
    private final RedirectCpuConfig config;
    private final long updates; // 0: one per entry every interval for the duration
    private final PrintWriter out; // null: quiet

    public RedirectCpuStress(Eal eal, RedirectCpuConfig config, long updates, PrintWriter out) {
        if (config.latencyPps() > 0) {
            throw new IllegalArgumentException("--stress does not measure latency");
        }
        this.eal = eal;
        this.config = config;
        this.updates = updates;
        this.out = out;
    }

    /** What a stress run saw. */
    public record Result(double windowSeconds, double rxBefore, double rxAfter, double rxDuring,
            long updatesDone, Map<String, Long> refused, double churnSeconds, double retireSeconds,
            MemoryFigures.Snapshot memoryBefore, MemoryFigures.Snapshot memoryAfter, int lcoresBefore,
            int lcoresAfter, int consumerThreadsBefore, int consumerThreadsAfter, int mempoolSize,
            int mempoolInUseAfterChurn, int leakedMbufs, long cleanedUp, long cleanedUpLate) {
        public long refusedTotal() {
            return refused.values().stream().mapToLong(Long::longValue).sum();
        }

        public double rxRatio() {
            return rxBefore <= 0 ? 0 : rxAfter / rxBefore;
        }
    }

    public Result run() {
        String device = RedirectCpuBenchmark.attach(eal, config, 100 + RUNS.getAndIncrement());
        byte[][] prefill = config.source().equals("pcap") ? null
                : BenchFrames.udp(config.traffic().flows(), RedirectCpuBenchmark.FRAME_BYTES);
        JavaRedirectCpu run = JavaRedirectCpu.start(config, device, "benchstress" + RUNS.get(), prefill);
        RingFeeder feeder = null;
        try {
            if (config.source().equals("ring")) {
                feeder = new RingFeeder(run.port(), run.pool(), RedirectCpuBenchmark.FRAME_BYTES, 0,
                        config.traffic().create());
            }
            Pipeline pipeline = run.pipeline();
            CpuMap map = pipeline.map();
            RedirectCpuBenchmark.sleep(config.warmupSeconds());
            double window = config.durationSeconds();
            MemoryFigures.Snapshot mem0 = MemoryFigures.take();
            int lcores0 = eal.lcoreCount();
            int threads0 = consumerThreads();
            double rxBefore = rxRate(run, window, "before");

            Map<String, Long> refused = new TreeMap<>();
            long done = 0;
            long t0 = System.nanoTime();
            StageSnapshot churnStart = run.snapshot();
            long allocated0 = javaAllocated();
            int[] cpus = config.cpus();
            if (updates > 0) {
                long reportEvery = Math.max(1, updates / 10);
                for (long i = 0; i < updates; i++) {
                    int cpu = cpus[(int) (i % cpus.length)];
                    int qsize = QSIZES[(int) ((i / cpus.length) % QSIZES.length)];
                    done += recreate(map, cpu, qsize, refused);
                    if (out != null && (i + 1) % reportEvery == 0) {
                        String nmt = MemoryFigures.nmtSummary();
                        out.printf(Locale.ROOT, "[stress] %,d updates, %,d refused, %.1f s, rss %s, nmt committed %s, "
                                        + "jit arena peak %s, java heap committed %s (%,d bytes allocated per update), "
                                        + "dpdk heap %s, lcores %d, mbufs in use %d%n", i + 1, refusedTotal(refused),
                                (System.nanoTime() - t0) / 1e9, MemoryFigures.kib(MemoryFigures.rssBytes()),
                                MemoryFigures.kib(MemoryFigures.nmt(nmt)[0]),
                                MemoryFigures.kib(MemoryFigures.jitArenaPeak(nmt)),
                                MemoryFigures.kib(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted()),
                                (javaAllocated() - allocated0) / (i + 1),
                                MemoryFigures.kib(MemoryFigures.dpdkHeap()[0]), eal.lcoreCount(),
                                pipeline.mempool().inUse());
                        out.flush();
                    }
                }
            } else {
                long end = t0 + (long) (config.durationSeconds() * 1e9);
                long step = 0;
                StageSnapshot prev = churnStart;
                while (System.nanoTime() < end) {
                    int qsize = QSIZES[(int) (step++ % QSIZES.length)];
                    for (int cpu : cpus) {
                        done += recreate(map, cpu, qsize, refused);
                    }
                    RedirectCpuBenchmark.sleep(config.intervalSeconds());
                    StageSnapshot now = run.snapshot();
                    if (out != null) {
                        double s = (now.timeNs() - prev.timeNs()) / 1e9;
                        out.printf(Locale.ROOT, "[stress] qsize %5d %18s rx/s %14s redirect/s %12s err+drop/s%n",
                                qsize, RedirectCpuBenchmark.rate(now.rx() - prev.rx(), s),
                                RedirectCpuBenchmark.rate(now.redirect() - prev.redirect(), s),
                                RedirectCpuBenchmark.rate(now.errorsAndDrops() - prev.errorsAndDrops(), s));
                        out.flush();
                    }
                    prev = now;
                }
            }
            StageSnapshot churnEnd = run.snapshot();
            long t1 = System.nanoTime();
            map.awaitRetired();
            long t2 = System.nanoTime();
            double rxDuring = (churnEnd.rx() - churnStart.rx()) / ((churnEnd.timeNs() - churnStart.timeNs()) / 1e9);
            // The last entries are back to the round's qsize, as before the churn: the same pipeline is compared.
            for (int cpu : cpus) {
                done += recreate(map, cpu, config.qsize(), refused);
            }
            map.awaitRetired();
            double rxAfter = rxRate(run, window, "after");
            int inUse = pipeline.mempool().inUse();
            MemoryFigures.Snapshot mem1 = MemoryFigures.take();
            int lcores1 = eal.lcoreCount();
            int threads1 = consumerThreads();
            long cleaned = map.cleanedUp();
            long cleanedLate = map.cleanedUpLate();
            int poolSize = pipeline.mempool().size();
            if (feeder != null) {
                feeder.close();
                feeder = null;
                RedirectCpuBenchmark.sleep(0.2); // net_ring does not free what is left in its rings on close
            }
            run.close();
            return new Result(window, rxBefore, rxAfter, rxDuring, done, refused, (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9, mem0, mem1, lcores0, lcores1, threads0, threads1, poolSize, inUse, run.leaked(),
                    cleaned, cleanedLate);
        } finally {
            if (feeder != null) {
                feeder.close();
            }
            run.close();
        }
    }

    /** Java heap bytes every thread allocated so far (the ones that ended included), -1 when not supported. */
    private static long javaAllocated() {
        return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                ? t.getTotalThreadAllocatedBytes() : -1;
    }

    private static long refusedTotal(Map<String, Long> refused) {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }

    private static int recreate(CpuMap map, int cpu, int qsize, Map<String, Long> refused) {
        CpuMapEntry live = map.entry(cpu);
        try {
            map.update(cpu, qsize, live == null ? null : live.program(), CpuMap.ANY);
            return 1;
        } catch (CpuMapException e) {
            refused.merge(Errno.name(e.errno()), 1L, Long::sum);
            return 0;
        }
    }

    private double rxRate(JavaRedirectCpu run, double seconds, String what) {
        StageSnapshot a = run.snapshot();
        RedirectCpuBenchmark.sleep(seconds);
        StageSnapshot b = run.snapshot();
        double rate = (b.rx() - a.rx()) / ((b.timeNs() - a.timeNs()) / 1e9);
        if (out != null) {
            out.printf(Locale.ROOT, "[stress] rx %s the churn: %s pkt/s over %.1f s%n", what,
                    String.format(Locale.ROOT, "%,d", Math.round(rate)), seconds);
            out.flush();
        }
        return rate;
    }

    /** Consumer threads alive (named cpumap/CPU/map:ID), the draining ones included. */
    static int consumerThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("cpumap/") && t.getName().contains("/map:")) {
                n++;
            }
        }
        return n;
    }

    /** The figures in the order of the acceptance: rates, updates, memory, mempool. */
    public static void print(PrintWriter out, Result r) {
        out.printf(Locale.ROOT, "stress: %,d updates done in %.1f s (%,.0f/s), retirements finished %.2f s later%n",
                r.updatesDone(), r.churnSeconds(), r.updatesDone() / Math.max(r.churnSeconds(), 1e-9),
                r.retireSeconds());
        out.printf(Locale.ROOT, "  refused: %,d%s%n", r.refusedTotal(), r.refused().isEmpty() ? "" : " " + r.refused());
        out.printf(Locale.ROOT, "  rx before %,.0f pkt/s, during %,.0f pkt/s, after %,.0f pkt/s (%.1f %% of before, "
                + "windows of %.1f s)%n", r.rxBefore(), r.rxDuring(), r.rxAfter(), 100 * r.rxRatio(), r.windowSeconds());
        MemoryFigures.Snapshot a = r.memoryBefore();
        MemoryFigures.Snapshot b = r.memoryAfter();
        out.printf(Locale.ROOT, "  rss             %12s -> %12s (%+d KiB)%n", MemoryFigures.kib(a.rssBytes()),
                MemoryFigures.kib(b.rssBytes()), (b.rssBytes() - a.rssBytes()) / 1024);
        // malloc_trim(0) after each reading: RSS less the free pages glibc kept in its malloc arenas.
        out.printf(Locale.ROOT, "  rss after malloc_trim %12s -> %12s (%+d KiB)%n", MemoryFigures.kib(a.rssTrimmedBytes()),
                MemoryFigures.kib(b.rssTrimmedBytes()), (b.rssTrimmedBytes() - a.rssTrimmedBytes()) / 1024);
        out.printf(Locale.ROOT, "  dpdk heap       %12s -> %12s (%+d KiB; allocations %d -> %d)%n",
                MemoryFigures.kib(a.dpdkHeapBytes()), MemoryFigures.kib(b.dpdkHeapBytes()),
                (b.dpdkHeapBytes() - a.dpdkHeapBytes()) / 1024, a.dpdkAllocations(), b.dpdkAllocations());
        if (a.nmtCommittedBytes() >= 0 && b.nmtCommittedBytes() >= 0) {
            out.printf(Locale.ROOT, "  jvm native (nmt committed) %s -> %s (%+d KiB); nmt other (arenas) %s -> %s "
                            + "(%+d KiB)%n", MemoryFigures.kib(a.nmtCommittedBytes()),
                    MemoryFigures.kib(b.nmtCommittedBytes()), (b.nmtCommittedBytes() - a.nmtCommittedBytes()) / 1024,
                    MemoryFigures.kib(a.nmtOtherBytes()), MemoryFigures.kib(b.nmtOtherBytes()),
                    (b.nmtOtherBytes() - a.nmtOtherBytes()) / 1024);
        } else {
            out.printf("  jvm native: not tracked (run with CPUMAPD_JAVA_OPTS=-XX:NativeMemoryTracking=summary)%n");
        }
        if (a.jitArenaPeakBytes() >= 0 && b.jitArenaPeakBytes() >= 0) {
            out.printf(Locale.ROOT, "  jit compiler arenas, peak (nmt; freed after each compile, kept by glibc) %s -> %s%n",
                    MemoryFigures.kib(a.jitArenaPeakBytes()), MemoryFigures.kib(b.jitArenaPeakBytes()));
        }
        out.printf(Locale.ROOT, "  java heap used (after gc) %s -> %s, committed %s -> %s%n",
                MemoryFigures.kib(a.heapUsedBytes()), MemoryFigures.kib(b.heapUsedBytes()),
                MemoryFigures.kib(a.heapCommittedBytes()), MemoryFigures.kib(b.heapCommittedBytes()));
        out.printf(Locale.ROOT, "  lcores %d -> %d, consumer threads %d -> %d%n", r.lcoresBefore(), r.lcoresAfter(),
                r.consumerThreadsBefore(), r.consumerThreadsAfter());
        out.printf(Locale.ROOT, "  mempool: %d of %d in use after the churn (rings, RX descriptors, caches), %d "
                + "leaked at the end, %d handles found in retired rings (%d more after grace periods cut short)%n",
                r.mempoolInUseAfterChurn(), r.mempoolSize(), r.leakedMbufs(), r.cleanedUp(), r.cleanedUpLate());
        out.flush();
    }

}
