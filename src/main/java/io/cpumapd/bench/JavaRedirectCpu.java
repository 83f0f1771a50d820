package io.cpumapd.bench;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.pipeline.PipelineSpec;
import io.cpumapd.tap.TapOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** cpumapd itself under test: a {@link Pipeline} with one RX worker and one consumer per {@code -c}. */
public final class JavaRedirectCpu implements RedirectCpuRun {
    static final String RX_THREAD = "bench-rx";
    /** The kernel numbers the TAP: cpmbench0, cpmbench1, ... */
    public static final String TAP_NAME = "cpmbench%d";

    private final RedirectCpuConfig config;
    private final Pipeline pipeline;
    private final Port port;
    private final List<LatencyProgram> latencyPrograms = new ArrayList<>();
    /** -r hold: every consumer's program; released before the pipeline shuts down. */
    private final HoldProgram hold = new HoldProgram();
    private int leaked;
    private boolean closed;

    private JavaRedirectCpu(RedirectCpuConfig config, String device, String poolName, byte[][] prefill) {
        this.config = config;
        TapOptions tap = config.remoteAction().equals(RedirectCpuConfig.PASS)
                ? TapOptions.builder(TAP_NAME).queues(1 + config.maxEntries()).vnetHdr(true).build()
                : null;
        PipelineSpec spec = new PipelineSpec(poolName, 16383, 256, io.cpumapd.dpdk.Mempool.DEFAULT_DATA_ROOM,
                List.of(new PipelineSpec.PortSpec("src", device, 1, 1024, 1024, false)),
                List.of(new PipelineSpec.WorkerSpec(RX_THREAD, config.rxCore(),
                        List.of(new PipelineSpec.QueueRef("src", 0)), false)),
                config.maxEntries(), config.batch(), config.idle(), tap);
        pipeline = Pipeline.create(spec, worker -> BenchPrograms.rxFilter(config.mode(), config.cpus()));
        try {
            port = pipeline.ports().get("src");
            if (config.remoteAction().equals(RedirectCpuConfig.HOLD)) {
                // A held consumer finishes no poll on purpose: not worth a stall warning per round.
                pipeline.stallAfter(Duration.ofDays(1));
            }
            if (prefill != null) {
                BenchFrames.prefill(pipeline.mempool(), prefill);
            }
            for (int cpu : config.cpus()) {
                PacketFilter program = switch (config.remoteAction()) {
                    case RedirectCpuConfig.DROP -> BenchPrograms.remoteDrop();
                    case RedirectCpuConfig.REDIRECT -> BenchPrograms.remoteRedirect(port.id());
                    case RedirectCpuConfig.HOLD -> hold;
                    default -> null;
                };
                if (config.latencyPps() > 0) {
                    LatencyProgram lp = new LatencyProgram(program);
                    latencyPrograms.add(lp);
                    program = lp;
                }
                pipeline.update(cpu, config.qsize(), program, CpuMap.ANY);
            }
            pipeline.startRx();
        } catch (RuntimeException e) {
            hold.release();
            pipeline.shutdown();
            throw e;
        }
    }

    /** @param prefill frames written into every mbuf first (net_null and ring sources), or null */
    public static JavaRedirectCpu start(RedirectCpuConfig config, String device, String poolName, byte[][] prefill) {
        return new JavaRedirectCpu(config, device, poolName, prefill);
    }

    @Override
    public String impl() {
        return "java";
    }

    @Override
    public Port port() {
        return port;
    }

    @Override
    public Mempool pool() {
        return pipeline.mempool();
    }

    /** The pipeline itself (the stress mode updates its cpumap). */
    public Pipeline pipeline() {
        return pipeline;
    }

    /** The TAP's name (pass), or null. */
    public String tapName() {
        return pipeline.tap() == null ? null : pipeline.tap().name();
    }

    @Override
    public StageSnapshot snapshot() {
        CounterRegistry c = pipeline.counters();
        int[] cpus = config.cpus();
        StageSnapshot s = StageSnapshot.empty(System.nanoTime(), cpus.length);
        for (int i = 0; i < cpus.length; i++) {
            int k = cpus[i];
            s.enqueued()[i] = c.get(EnqueueCounter.ENQUEUED, k);
            s.enqueueDrops()[i] = c.get(EnqueueCounter.DROPS, k);
            s.bulks()[i] = c.get(EnqueueCounter.BULK_CALLS, k);
            s.processed()[i] = c.get(ConsumerCounter.PROCESSED, k);
            s.consumerDrops()[i] = c.get(ConsumerCounter.DROPS, k);
            s.sched()[i] = c.get(ConsumerCounter.SCHED, k);
            s.pass()[i] = c.get(ConsumerCounter.PASS, k);
            s.drop()[i] = c.get(ConsumerCounter.DROP, k);
            s.redirected()[i] = c.get(ConsumerCounter.REDIRECT, k);
            s.exceptions()[i] = c.get(ConsumerCounter.EXCEPTIONS, k);
        }
        long[] rx = c.group(RxCounter.class).row(0);
        long redirectErrors = rx[RxCounter.REDIRECT_ERRORS.ordinal()];
        long rxDrops = rx[RxCounter.DROP.ordinal()] + rx[RxCounter.ABORTED.ordinal()] - redirectErrors;
        return new StageSnapshot(s.timeNs(), rx[RxCounter.RX.ordinal()], rx[RxCounter.REDIRECT.ordinal()],
                redirectErrors, Math.max(0, rxDrops), s.enqueued(), s.enqueueDrops(), s.bulks(), s.processed(),
                s.consumerDrops(), s.sched(), s.pass(), s.drop(), s.redirected(), s.exceptions());
    }

    @Override
    public long[] hotThreadIds() {
        List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals(RX_THREAD)) {
                ids.add(0, t.threadId());
            } else if (t.isAlive() && t.getName().startsWith("cpumap/")) {
                ids.add(t.threadId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public long rxCpuNs() {
        long[] ids = hotThreadIds();
        return ids.length == 0 ? -1 : HotThreads.cpuTimeNs(ids[0]);
    }

    @Override
    public void recordLatency(boolean on) {
        for (LatencyProgram lp : latencyPrograms) {
            lp.record(on);
        }
    }

    @Override
    public LogHistogram latency() {
        if (latencyPrograms.isEmpty()) {
            return null;
        }
        LogHistogram h = new LogHistogram();
        for (LatencyProgram lp : latencyPrograms) {
            h.add(lp.histogram());
        }
        return h;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            hold.release(); // before the shutdown, which waits for the consumers to drain
            leaked = pipeline.shutdown();
        }
    }

    @Override
    public int leaked() {
        return leaked;
    }
}
