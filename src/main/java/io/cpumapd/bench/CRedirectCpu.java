package io.cpumapd.bench;

import io.cpumapd.dpdk.DpdkException;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.Port;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C reference pipeline ({@code native/src/bench_pipeline.c}) on the same kind of port, pool
 * and TAP as the Java one; Java only sets it up, starts it, reads its counters and stops it.
 */
public final class CRedirectCpu implements RedirectCpuRun {
    private static final MethodHandle START = Native.downcall("cpm_bench_pipeline_start",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle STATS = Native.downcall("cpm_bench_pipeline_stats",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECORD = Native.downcall("cpm_bench_pipeline_record",
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    private static final MethodHandle LATENCY = Native.downcall("cpm_bench_pipeline_latency",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS));
    private static final MethodHandle RX_CPU = Native.downcall("cpm_bench_pipeline_rx_cpu_ns",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG));
    private static final MethodHandle STOP = Native.downcall("cpm_bench_pipeline_stop",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));

    /** struct cpm_bench_pipeline_config: 12 int32 fields, then cpus[64] and tap_fds[64]. */
    private static final int MAX_TARGETS = 64;
    private static final int FIELDS = 12;
    private static final int RX_WORDS = 5;
    private static final int TARGET_WORDS = 10;

    private final RedirectCpuConfig config;
    private final Arena arena = Arena.ofShared();
    private final Mempool pool;
    private final Port port;
    private final TapDevice tap;
    private final MemorySegment stats;
    private LogHistogram latency;
    private boolean running;
    private boolean closed;
    private int leaked;

    private CRedirectCpu(RedirectCpuConfig config, String device, String poolName, byte[][] prefill) {
        this.config = config;
        int targets = config.cpus().length;
        pool = Mempool.create(poolName, 16383, 256, Mempool.DEFAULT_DATA_ROOM);
        TapDevice t = null;
        Port p = null;
        try {
            p = Port.byName(device);
            int txq = Math.max(1, Math.min(p.info().maxTxQueues(), 1 + targets));
            if (config.actionId() == 2 && txq < 1 + targets) {
                throw new IllegalArgumentException(device + " has " + txq + " TX queues: -r redirect needs one per "
                        + "consumer plus one");
            }
            p.configure(1, txq, 1024, 1024, pool);
            p.start();
            if (prefill != null) {
                BenchFrames.prefill(pool, prefill);
            }
            if (config.remoteAction().equals(RedirectCpuConfig.PASS)) {
                t = TapDevice.create(TapOptions.builder(JavaRedirectCpu.TAP_NAME).queues(targets).vnetHdr(true)
                        .build());
            }
            MemorySegment cfg = arena.allocate(4L * (FIELDS + 2 * MAX_TARGETS), 8);
            int[] head = {p.id(), 0, Math.min(1, txq - 1), config.rxCore(), targets, config.qsize(), config.batch(),
                    BenchPrograms.modeId(config.mode()), config.actionId(), config.idle().equals("backoff") ? 1 : 0,
                    config.latencyPps() > 0 ? 1 : 0, t == null ? 0 : t.vnetHdrBytes()};
            for (int i = 0; i < FIELDS; i++) {
                cfg.setAtIndex(ValueLayout.JAVA_INT, i, head[i]);
            }
            for (int i = 0; i < targets; i++) {
                cfg.setAtIndex(ValueLayout.JAVA_INT, FIELDS + i, config.cpus()[i]);
                cfg.setAtIndex(ValueLayout.JAVA_INT, FIELDS + MAX_TARGETS + i, t == null ? -1 : t.fd(i));
            }
            stats = arena.allocate(ValueLayout.JAVA_LONG, RX_WORDS + (long) TARGET_WORDS * targets);
            int ret = (int) START.invokeExact(cfg);
            Errno.check(ret, "cpm_bench_pipeline_start");
            running = true;
        } catch (RuntimeException e) {
            cleanup(p, t);
            throw e;
        } catch (Throwable e) {
            cleanup(p, t);
            throw new AssertionError(e);
        }
        port = p;
        tap = t;
    }

    private void cleanup(Port p, TapDevice t) {
        if (p != null) {
            try {
                p.stop();
                p.close();
            } catch (DpdkException ignored) {
                // best effort on a failed start
            }
        }
        if (t != null) {
            t.close();
        }
        pool.close();
        arena.close();
    }

    public static CRedirectCpu start(RedirectCpuConfig config, String device, String poolName, byte[][] prefill) {
        return new CRedirectCpu(config, device, poolName, prefill);
    }

    @Override
    public String impl() {
        return "c";
    }

    @Override
    public Port port() {
        return port;
    }

    @Override
    public Mempool pool() {
        return pool;
    }

    @Override
    public StageSnapshot snapshot() {
        int targets = config.cpus().length;
        int words;
        try {
            words = (int) STATS.invokeExact(stats, (int) (stats.byteSize() / 8));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        long now = System.nanoTime();
        StageSnapshot s = StageSnapshot.empty(now, targets);
        if (words < RX_WORDS + TARGET_WORDS * targets) {
            return s;
        }
        for (int i = 0; i < targets; i++) {
            int b = RX_WORDS + TARGET_WORDS * i;
            s.enqueued()[i] = word(b);
            s.enqueueDrops()[i] = word(b + 1);
            s.bulks()[i] = word(b + 2);
            s.processed()[i] = word(b + 3);
            s.consumerDrops()[i] = word(b + 4);
            s.sched()[i] = word(b + 5);
            s.pass()[i] = word(b + 6);
            s.drop()[i] = word(b + 7);
            s.redirected()[i] = word(b + 8);
            s.exceptions()[i] = word(b + 9);
        }
        return new StageSnapshot(now, word(0), word(1), word(2), word(3), s.enqueued(), s.enqueueDrops(), s.bulks(),
                s.processed(), s.consumerDrops(), s.sched(), s.pass(), s.drop(), s.redirected(), s.exceptions());
    }

    private long word(int i) {
        return stats.getAtIndex(ValueLayout.JAVA_LONG, i);
    }

    @Override
    public long[] hotThreadIds() {
        return new long[0];
    }

    @Override
    public long rxCpuNs() {
        try {
            return (long) RX_CPU.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void recordLatency(boolean on) {
        try {
            RECORD.invokeExact(on ? 1 : 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public LogHistogram latency() {
        return latency;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (running) {
                int ret = (int) STOP.invokeExact();
                Errno.check(ret, "cpm_bench_pipeline_stop");
                if (config.latencyPps() > 0) {
                    MemorySegment buckets = arena.allocate(ValueLayout.JAVA_LONG, LogHistogram.BUCKETS);
                    MemorySegment max = arena.allocate(ValueLayout.JAVA_LONG);
                    int r = (int) LATENCY.invokeExact(buckets, LogHistogram.BUCKETS, max);
                    Errno.check(r, "cpm_bench_pipeline_latency");
                    latency = new LogHistogram();
                    latency.add(buckets.toArray(ValueLayout.JAVA_LONG), max.get(ValueLayout.JAVA_LONG, 0));
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            port.stop();
            port.close();
            if (tap != null) {
                tap.close();
            }
            leaked = pool.inUse();
            pool.close();
            arena.close();
        }
    }

    @Override
    public int leaked() {
        return leaked;
    }
}
