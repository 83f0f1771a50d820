package io.cpumapd.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.NetNamespace;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import io.cpumapd.testkit.DaemonConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What scraping {@code /metrics} costs the pipeline: the daemon ({@code cpumapd run}, its own JVM)
 * on a {@code net_null} port (64-byte frames, no copy: an endless source that never waits), the
 * {@code no-touch} filter redirecting everything to one cpumap entry on cpu 1 whose program drops,
 * RX on cpu 0. Both hot threads spin at 100% of their core; the metrics threads are not confined,
 * so on a 2-core machine every scrape takes its CPU from them, which is the cost measured.
 *
 * <p>Phases of {@code seconds} each, alternating in every round: no scraping, scraping as fast as one
 * client can (serially, as Prometheus scrapes a target, with its Accept and gzip headers), and one
 * scrape a second. Rates come from the daemon's own counters ({@code stats} at both ends of a phase,
 * over the daemon's clock). The client runs in this JVM on the same 2 cores: its CPU is part of the
 * cost, as a Prometheus on the same host would be. Prints figures, asserts nothing.
 *
 * <pre>mvn -q test-compile
 * java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test.classpath) \
 *   io.cpumapd.daemon.ScrapeCostBenchmark [secondsPerPhase=10] [rounds=3]</pre>
 *
 * Needs root (TAP, network namespace), like the daemon's tests.
 */
public final class ScrapeCostBenchmark {
    private static final String ACCEPT = "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    enum Mode {
        NONE("no scraping"), FLOOD("scrape flat out"), ONE_PER_SECOND("scrape 1/s");

        final String text;

        Mode(String text) {
            this.text = text;
        }
    }

    record Phase(Mode mode, int round, double rxPps, double processedPps, double enqueueDropPps, long scrapes,
            double scrapeMs, long bodyBytes, double seconds, double daemonCores, double hotCores, double metricsCores,
            double clientCores, double otherCores) {
        /** CPU ms the daemon's metrics threads spent per scrape. */
        double metricsCpuMsPerScrape() {
            return scrapes == 0 ? 0 : metricsCores * seconds * 1000 / scrapes;
        }
    }

    /**
     * CPU time so far, in clock ticks: the daemon's (all of it, its metrics threads, its hot threads),
     * this JVM's, and every cpu's busy time. The metrics threads' time per scrape is the figure that
     * stays meaningful when other processes share the machine.
     */
    record CpuTicks(long daemon, long daemonMetrics, long daemonHot, long self, long busy) {
        static CpuTicks read(long daemonPid) throws IOException {
            long metrics = 0;
            long hot = 0;
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + daemonPid + "/task"))) {
                for (Path task : tasks.toList()) {
                    String comm;
                    long ticks;
                    try {
                        comm = Files.readString(task.resolve("comm")).strip();
                        ticks = ticks(Files.readString(task.resolve("stat")));
                    } catch (IOException e) {
                        continue; // the thread ended meanwhile
                    }
                    if (comm.startsWith("metrics-http") || comm.startsWith("HTTP-Dispatcher")) {
                        metrics += ticks;
                    } else if (comm.startsWith("rx") || comm.startsWith("cpumap/")) {
                        hot += ticks;
                    }
                }
            }
            return new CpuTicks(ticks(Files.readString(Path.of("/proc/" + daemonPid + "/stat"))), metrics, hot,
                    ticks(Files.readString(Path.of("/proc/self/stat"))), busyTicks());
        }

        /** utime + stime of a stat line (fields 14 and 15, counted after the command's closing paren). */
        private static long ticks(String stat) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }

        /** The first line of /proc/stat: everything but idle and iowait. */
        private static long busyTicks() throws IOException {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        }
    }

    /** USER_HZ, 100 on every Linux architecture that matters here. */
    private static final double TICKS_PER_SECOND = 100;

    private ScrapeCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("cpumapd-scrape-cost-");
        try {
            run(dir, seconds, rounds);
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static String config(String tap, Path socket, int metricsPort) {
        return new DaemonConfig(socket).port("net_null0", "size=64,copy=0").mbufCache(256).filter("{name: no-touch}")
                .entry(1, 2048, "drop").tap(tap).metrics(metricsPort).yaml();
    }

    private static void run(Path dir, int seconds, int rounds) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String tap = "cpmb" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        Path socket = dir.resolve("run/cpumapd.sock");
        Path config = dir.resolve("cpumapd.yaml");
        Files.writeString(config, config(tap, socket, port));
        URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
        try (NetNamespace ns = NetNamespace.create("cpumapd-bench");
                DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("daemon.log"));
                ControlClient control = new ControlClient(socket, Duration.ofSeconds(5))) {
            d.awaitLog("ready (pid", 60_000);
            long pid = d.process().pid();
            ns.moveLink(tap); // nothing reaches the kernel (the program drops), but the TAP stays out of the host
            System.out.printf(Locale.ROOT, "warm-up %d s (JIT), then %d rounds of %d s per phase, cores %d%n",
                    Math.max(5, seconds / 2), rounds, seconds, Runtime.getRuntime().availableProcessors());
            measure(control, pid, metrics, Mode.FLOOD, 0, Math.max(5, seconds / 2)); // warm both sides' JIT
            String plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            System.out.printf(Locale.ROOT, "one scrape: %d samples, %d bytes as text 0.0.4 uncompressed%n",
                    plain.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count(), plain.length());
            List<Phase> phases = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                for (Mode m : Mode.values()) {
                    Phase p = measure(control, pid, metrics, m, r, seconds);
                    phases.add(p);
                    System.out.printf(Locale.ROOT, "round %d %-16s rx %6.2f Mpps  consumer %6.2f Mpps  ring-full drops "
                            + "%6.2f Mpps  %5d scrapes (%5.1f/s, %4.1f ms each, %d bytes gzip, %.2f CPU ms each)  cores: "
                            + "daemon %.2f (hot %.2f, metrics %.2f) client %.2f others %.2f%n", r, m.text,
                            p.rxPps() / 1e6, p.processedPps() / 1e6, p.enqueueDropPps() / 1e6, p.scrapes(),
                            p.scrapes() / p.seconds(), p.scrapeMs(), p.bodyBytes(), p.metricsCpuMsPerScrape(),
                            p.daemonCores(), p.hotCores(), p.metricsCores(), p.clientCores(), p.otherCores());
                }
            }
            summarize(phases);
            int exit = d.terminate(60_000);
            System.out.println("daemon exit " + exit);
        }
    }

    /** Phases where other processes took less than this many cores: the machine was ours. */
    private static final double QUIET = 0.25;

    private static void summarize(List<Phase> phases) {
        double[] perScrape = phases.stream().filter(p -> p.mode() == Mode.FLOOD)
                .mapToDouble(Phase::metricsCpuMsPerScrape).sorted().toArray();
        System.out.printf(Locale.ROOT, "daemon metrics threads' CPU per scrape (flat-out phases): median %.2f ms"
                + " (min %.2f, max %.2f)%n", median(perScrape), perScrape[0], perScrape[perScrape.length - 1]);
        summarize("median over all rounds:", phases);
        summarize("median over quiet phases (other processes < " + QUIET + " cores):",
                phases.stream().filter(p -> p.otherCores() < QUIET).toList());
    }

    private static void summarize(String title, List<Phase> phases) {
        System.out.println(title);
        Map<Mode, double[]> rx = new EnumMap<>(Mode.class);
        Map<Mode, double[]> consumer = new EnumMap<>(Mode.class);
        for (Mode m : Mode.values()) {
            rx.put(m, phases.stream().filter(p -> p.mode() == m).mapToDouble(Phase::rxPps).sorted().toArray());
            consumer.put(m, phases.stream().filter(p -> p.mode() == m).mapToDouble(Phase::processedPps).sorted()
                    .toArray());
        }
        if (rx.get(Mode.NONE).length == 0) {
            System.out.println("  (no phase without scraping qualifies)");
            return;
        }
        double base = median(rx.get(Mode.NONE));
        double baseConsumer = median(consumer.get(Mode.NONE));
        for (Mode m : Mode.values()) {
            double[] v = rx.get(m);
            if (v.length == 0) {
                System.out.printf(Locale.ROOT, "  %-16s (no phase)%n", m.text);
                continue;
            }
            System.out.printf(Locale.ROOT, "  %-16s %d phases: rx %6.2f Mpps (min %.2f, max %.2f), ratio to no scraping"
                    + " %.3f; consumer %6.2f Mpps, ratio %.3f%n", m.text, v.length, median(v) / 1e6, v[0] / 1e6,
                    v[v.length - 1] / 1e6, median(v) / base, median(consumer.get(m)) / 1e6,
                    median(consumer.get(m)) / baseConsumer);
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Phase measure(ControlClient control, long pid, URI metrics, Mode mode, int round, int seconds)
            throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong scrapes = new AtomicLong();
        AtomicLong scrapeNs = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        Thread client = null;
        if (mode != Mode.NONE) {
            client = Thread.ofPlatform().name("scraper").start(() -> scrape(metrics, mode, running, scrapes,
                    scrapeNs, bytes));
        }
        JsonNode before = control.call(Requests.create("stats"));
        CpuTicks cpuBefore = CpuTicks.read(pid);
        Thread.sleep(seconds * 1000L);
        JsonNode after = control.call(Requests.create("stats"));
        CpuTicks cpuAfter = CpuTicks.read(pid);
        running.set(false);
        if (client != null) {
            client.join();
        }
        double dt = (after.path("time_ns").asLong() - before.path("time_ns").asLong()) / 1e9;
        long n = scrapes.get();
        return new Phase(mode, round,
                (sum(after, "rx", "rx") - sum(before, "rx", "rx")) / dt,
                (sum(after, "consumers", "processed") - sum(before, "consumers", "processed")) / dt,
                (sum(after, "enqueue", "drops") - sum(before, "enqueue", "drops")) / dt,
                n, n == 0 ? 0 : scrapeNs.get() / 1e6 / n, n == 0 ? 0 : bytes.get() / n, dt,
                (cpuAfter.daemon() - cpuBefore.daemon()) / TICKS_PER_SECOND / dt,
                (cpuAfter.daemonHot() - cpuBefore.daemonHot()) / TICKS_PER_SECOND / dt,
                (cpuAfter.daemonMetrics() - cpuBefore.daemonMetrics()) / TICKS_PER_SECOND / dt,
                (cpuAfter.self() - cpuBefore.self()) / TICKS_PER_SECOND / dt,
                ((cpuAfter.busy() - cpuBefore.busy()) - (cpuAfter.daemon() - cpuBefore.daemon())
                        - (cpuAfter.self() - cpuBefore.self())) / TICKS_PER_SECOND / dt);
    }

    private static long sum(JsonNode stats, String section, String field) {
        long s = 0;
        for (JsonNode item : stats.path(section)) {
            s += item.path(field).asLong();
        }
        return s;
    }

    private static void scrape(URI metrics, Mode mode, AtomicBoolean running, AtomicLong scrapes, AtomicLong scrapeNs,
            AtomicLong bytes) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5))
                .header("Accept", ACCEPT).header("Accept-Encoding", "gzip").GET().build();
        long next = System.nanoTime();
        try {
            while (running.get()) {
                if (mode == Mode.ONE_PER_SECOND) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(Duration.ofNanos(Math.min(wait, 50_000_000)));
                        continue;
                    }
                    next += 1_000_000_000L;
                }
                long t0 = System.nanoTime();
                HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                scrapeNs.addAndGet(System.nanoTime() - t0);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("scrape: HTTP " + r.statusCode());
                }
                bytes.addAndGet(r.body().length);
                scrapes.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("scraper: " + e);
        }
    }
}
