package io.cpumapd.cli;

import io.cpumapd.bench.BenchPrograms;
import io.cpumapd.bench.BenchSummary;
import io.cpumapd.bench.CRedirectCpu;
import io.cpumapd.bench.JavaRedirectCpu;
import io.cpumapd.bench.Machine;
import io.cpumapd.bench.RedirectCpuBenchmark;
import io.cpumapd.bench.RedirectCpuConfig;
import io.cpumapd.bench.RedirectCpuStress;
import io.cpumapd.bench.RoundResult;
import io.cpumapd.bench.TrafficSpec;
import io.cpumapd.config.Cpus;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.worker.IdleStrategies;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "redirect-cpu", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The cpumap pipeline without the daemon, as xdp-bench redirect-cpu: RX worker -> program -> "
                + "bulk enqueue -> per-CPU ring -> consumer -> remote action. --impl both runs the C reference in "
                + "alternating rounds of the same process.",
                "SOURCE: null (net_null size 64, copy=0, mbufs prefilled with 64 UDP flows) | pcap FILE "
                        + "(net_pcap, infinite_rx) | ring (net_ring fed by a producer thread)"})
public final class BenchRedirectCpuCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..2", paramLabel = "SOURCE", description = "null | pcap FILE | ring (default null)")
    List<String> source = new ArrayList<>();

    @Option(names = {"-p", "--prog"}, defaultValue = BenchPrograms.L4_HASH,
            description = "Program mode: no-touch | l4-hash (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = {"-r", "--remote-action"}, defaultValue = "drop",
            description = "Second stage at the consumer: drop | pass (TAP cpmbenchN) | redirect (out the RX port) | "
                    + "hold (the consumer holds its first batch until the round ends: every ring stays full, so both "
                    + "RX threads see the same ring state and do the same work per packet). Default ${DEFAULT-VALUE}.")
    String remoteAction;

    @Option(names = {"-c", "--cpu"}, description = "cpumap entry / consumer core, repeatable (default: the last CPU).")
    List<Integer> cpus = new ArrayList<>();

    @Option(names = "--rx-core", defaultValue = "0", description = "Core of the RX worker (default ${DEFAULT-VALUE}).")
    int rxCore;

    @Option(names = {"-q", "--qsize"}, defaultValue = "2048", description = "Ring size per entry (default ${DEFAULT-VALUE}).")
    int qsize;

    @Option(names = "--batch", defaultValue = "8", description = "Consumer dequeue batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--idle", defaultValue = IdleStrategies.BUSY_SPIN,
            description = "busy-spin | backoff, for RX and consumers (default ${DEFAULT-VALUE}).")
    String idle;

    @Option(names = {"-d", "--duration"}, defaultValue = "5", description = "Measured seconds per round (default ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = {"-i", "--interval"}, defaultValue = "1", description = "Seconds between printed rates (default ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = "--warmup", defaultValue = "2", description = "Seconds before measuring, per round (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds per implementation, alternating (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--impl", defaultValue = "both", description = "java | c | both (default ${DEFAULT-VALUE}).")
    String impl;

    @Option(names = {"-e", "--extended"}, description = "Per enqueue FROM->TO and per kthread lines.")
    boolean extended;

    @Mixin
    BenchJsonOptions output;

    @Option(names = "--latency", defaultValue = "0", paramLabel = "PPS",
            description = "Latency mode: pace the ring source at PPS and report p50/p99/p99.9 from RX stamp to consumer.")
    long latencyPps;

    @Option(names = "--long", description = "A 60-second run per round (allocation and GC check): sets -d 60.")
    boolean long60;

    @Mixin
    BenchTrafficOptions traffic;

    @Option(names = "--stress", description = "Stress mode (java only), as xdp-bench -x: re-creates every entry with "
            + "qsize 1024 / 8 / 16000 (cycling) every interval for -d seconds under traffic; prints RX over a -d "
            + "window before and after, updates refused, memory and lcores before and after.")
    boolean stress;

    @Option(names = "--stress-updates", defaultValue = "0", paramLabel = "N",
            description = "With --stress: N updates as fast as they go instead of one per interval.")
    long stressUpdates;

    @Option(names = "--file-prefix", paramLabel = "PREFIX",
            description = "DPDK --file-prefix (default cpumapd-rcpu-PID).")
    String filePrefix;

    @Override
    public Integer call() throws Exception {
        PrintWriter progress = output.progress(spec);
        RedirectCpuConfig config = config();
        List<String> args = new ArrayList<>(List.of("--no-huge", "-m", "1024", "--no-shconf", "--no-pci",
                "--no-telemetry", "-l", "0", "--log-level=lib.eal:warning",
                "--file-prefix=" + (filePrefix != null ? filePrefix
                        : System.getProperty("cpumapd.bench.prefix", "cpumapd-rcpu") + "-" + ProcessHandle.current().pid())));
        try (Eal eal = Eal.init(args)) {
            Map<String, Object> machine = Machine.describe();
            header(progress, config, machine, stress);
            if (stress) {
                progress.printf("stress: one pipeline, %s, qsize 1024 / 8 / 16000 cycling; rx measured over %s s "
                        + "before and after%n", stressUpdates > 0 ? stressUpdates + " updates back to back"
                        : "one update per entry every " + intervalSeconds + " s for " + durationSeconds + " s",
                        durationSeconds);
                return stress(eal, config, progress);
            }
            RedirectCpuBenchmark bench = new RedirectCpuBenchmark(eal, config, (which, device, pool, prefill) ->
                    which.equals("java") ? JavaRedirectCpu.start(config, device, pool, prefill)
                            : CRedirectCpu.start(config, device, pool, prefill), progress);
            List<RoundResult> results = bench.run();
            BenchSummary.print(progress, results, config.impls());
            if (output.wanted()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("benchmark", "redirect-cpu");
                doc.put("machine", machine);
                doc.put("config", config);
                doc.put("rounds", results);
                doc.put("summary", BenchSummary.summary(results, config.impls()));
                output.write(spec, doc);
            }
            long leaked = results.stream().mapToLong(RoundResult::leakedMbufs).sum();
            return leaked == 0 ? 0 : 3;
        }
    }

    private int stress(Eal eal, RedirectCpuConfig config, PrintWriter progress) {
        RedirectCpuStress.Result r = new RedirectCpuStress(eal, config, stressUpdates, progress).run();
        RedirectCpuStress.print(progress == null ? spec.commandLine().getOut() : progress, r);
        return r.leakedMbufs() == 0 && r.refusedTotal() == 0 ? 0 : 3;
    }

    private RedirectCpuConfig config() {
        String src = source.isEmpty() ? "null" : source.get(0);
        String file = null;
        switch (src) {
            case "null", "ring" -> {
                if (source.size() > 1) {
                    throw new ParameterException(spec.commandLine(), "source " + src + " takes no FILE");
                }
            }
            case "pcap" -> {
                if (source.size() < 2) {
                    throw new ParameterException(spec.commandLine(), "source pcap needs a FILE");
                }
                file = Path.of(source.get(1)).toAbsolutePath().toString();
                if (!Files.isReadable(Path.of(file))) {
                    throw new ParameterException(spec.commandLine(), "cannot read " + file);
                }
            }
            default -> throw new ParameterException(spec.commandLine(), "unknown source '" + src
                    + "': use null, pcap FILE or ring");
        }
        IdleStrategies.byName(idle, () -> { });
        int online = Cpus.online().cardinality();
        if (cpus.isEmpty()) {
            cpus.add(online - 1);
        }
        List<String> impls = switch (impl) {
            case "java" -> List.of("java");
            case "c" -> List.of("c");
            case "both" -> stress ? List.of("java") : List.of("java", "c");
            default -> throw new ParameterException(spec.commandLine(), "--impl must be java, c or both");
        };
        if (stress && (impls.contains("c") || latencyPps > 0)) {
            throw new ParameterException(spec.commandLine(), "--stress runs the java pipeline only, without --latency");
        }
        if (stressUpdates < 0 || (stressUpdates > 0 && !stress)) {
            throw new ParameterException(spec.commandLine(), "--stress-updates takes N >= 0 and --stress");
        }
        try {
            BenchPrograms.check(mode, impls.contains("c"));
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (latencyPps > 0 && !src.equals("ring")) {
            src = "ring"; // pacing needs a source we drive
        }
        if (src.equals("ring") && remoteAction.equals(RedirectCpuConfig.REDIRECT)) {
            throw new ParameterException(spec.commandLine(), "-r redirect sends out the RX port; with the ring "
                    + "source that is the feeder's own ring: use null or pcap");
        }
        if (long60) {
            durationSeconds = 60;
        }
        TrafficSpec t = traffic.spec(spec);
        if (t.segmented() && !src.equals("ring")) {
            throw new ParameterException(spec.commandLine(), "--traffic " + t.kind() + " needs the ring source: its "
                    + "feeder writes each segment as it sends it, so every flow stays in sequence");
        }
        RedirectCpuConfig c = new RedirectCpuConfig(src, file, mode, remoteAction,
                cpus.stream().mapToInt(Integer::intValue).toArray(), rxCore, qsize, batch, idle, warmupSeconds,
                durationSeconds, intervalSeconds, rounds, impls, extended, latencyPps, t);
        c.actionId();
        return c;
    }

    private static void header(PrintWriter out, RedirectCpuConfig c, Map<String, Object> machine, boolean stress) {
        int online = (Integer) machine.get("onlineCpus");
        int threads = 1 + c.cpus().length + (c.source().equals("ring") ? 1 : 0);
        boolean shared = threads > online || Arrays.stream(c.cpus()).anyMatch(x -> x == c.rxCore());
        out.printf("redirect-cpu: source %s%s, prog %s, remote-action %s, cpus %s, rx-core %d, qsize %d, batch %d, "
                        + "idle %s, %s s warm-up + %s%s%n", c.source(),
                c.pcapFile() == null ? "" : " " + c.pcapFile(), c.mode(), c.remoteAction(), Arrays.toString(c.cpus()),
                c.rxCore(), c.qsize(), c.batch(), c.idle(), c.warmupSeconds(),
                // Stress runs one Java pipeline: no rounds, no other implementation.
                stress ? c.durationSeconds() + " s windows, one java pipeline"
                        : c.durationSeconds() + " s x " + c.rounds() + " rounds, impl " + String.join(",", c.impls()),
                c.latencyPps() > 0 ? ", latency at " + c.latencyPps() + " pps" : "");
        out.printf("traffic: %s%n", c.traffic());
        out.printf("machine: %s, %d online CPUs, kernel %s, %s, DPDK %s%n", machine.get("cpu"), online,
                machine.get("kernel"), machine.get("jdk"), machine.get("dpdk"));
        if (shared) {
            out.printf("note: %d hot threads on %d CPUs: RX, consumer(s)%s share cores (oversubscribed); figures "
                    + "are per pipeline, not per core%n", threads, online, c.source().equals("ring") ? " and feeder" : "");
        }
        out.flush();
    }
}
