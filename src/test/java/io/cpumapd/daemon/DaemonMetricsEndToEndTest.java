package io.cpumapd.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.DaemonProcess.Cli;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.PrometheusServer;
import io.cpumapd.testkit.PrometheusServer.Sample;
import io.cpumapd.testkit.Promtool;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's acceptance against the live daemon: {@code cpumapd run} in its own process on a
 * replayed capture (the setup of {@link DaemonEndToEndTest}), its {@code /metrics} scraped every
 * second by the real Prometheus and, in between, several times a second by the test itself.
 *
 * <ul>
 *   <li>{@code promtool check metrics} finds nothing in a scrape with traffic flowing;
 *   <li>Prometheus's {@code rate()} agrees with {@code cpumapd stats -j} over the same window;
 *   <li>replacing and deleting a cpumap entry and swapping the filter never resets a counter, neither
 *       for Prometheus ({@code resets()}) nor between two direct scrapes; and what a scrape exports lies
 *       between the raw counters of the {@code stats} replies taken just before and just after, so the
 *       exporter's clamp (it never lets a counter go back) cannot be hiding a dip of the daemon's own
 *       counters;
 *   <li>the gauges follow the control commands; SIGTERM closes the endpoint and exits 0.
 * </ul>
 */
class DaemonMetricsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Relative disagreement allowed between Prometheus's rate and the CLI's over the same window.
     * Both divide counter increases by time; they differ in where the window's edges fall and in
     * what each knows between its samples. The CLI takes snapshots on the daemon's clock at both
     * ends; Prometheus has a sample each second stamped with the scrape's start (the daemon reads its
     * counters a few ms later, more when the 2 cores are busy) and extrapolates the first and last
     * sample to the window's edges, assuming the rate there equals the average inside. The replay
     * through net_pcap (infinite_rx) on a shared 2-core machine is not a constant-rate source: from
     * one second to the next its rate moves by tens of percent, so the edge extrapolation (up to
     * one scrape interval at each end of a 6 s window) can be off by a third of such a swing, each
     * side. 25% covers that with margin, and is still tight enough to catch a counter that is
     * counted twice, not at all for one of the two cpus, or scaled (a rate of the wrong unit).
     */
    private static final double TOLERANCE = 0.25;
    /** Length of the compared window: {@code stats -i 1 -c 6}. */
    private static final int WINDOW_INTERVALS = 6;
    /** Counters whose resets Prometheus must never see: the ones an entry replacement or a filter swap touches. */
    private static final List<String> CHURNED_COUNTERS = List.of("cpumapd_enqueue_packets_total",
            "cpumapd_consumer_processed_total", "cpumapd_consumer_verdicts_total", "cpumapd_tap_packets_total",
            "cpumapd_rx_verdicts_total");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void prometheusAndTheCliAgreeAndNoCounterResetsWhileEntriesAndFiltersChange() throws Exception {
        Path pcap = dir.resolve("mixed.pcap");
        new MixedTraffic(5).dstMac("02:00:00:00:00:02").writePcap(pcap, 400);
        String tap = "cpmm" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        Path socket = dir.resolve("run/cpumapd.sock");
        Path config = dir.resolve("cpumapd.yaml");
        int metricsPort = DaemonEndToEndTest.freePort();
        Files.writeString(config, DaemonEndToEndTest.config(pcap, tap, socket, metricsPort, 2048));
        URI metrics = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
        try (NetNamespace ns = NetNamespace.create("cpumapd-metrics");
                DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("daemon.log"))) {
            d.awaitLog("ready (pid", 60_000);
            DaemonEndToEndTest.adoptTap(ns, tap);
            JsonNode status = DaemonEndToEndTest.json(d.cli("status", "-j"));
            assertThat(status.path("metrics").asText()).isEqualTo(metrics.toString());

            try (PrometheusServer prometheus = PrometheusServer.start(metrics);
                    DirectScraper scraper = new DirectScraper(metrics, socket)) {
                scraper.start();

                // -- the exposition, with traffic flowing
                awaitPositive(() -> sum(scrape(metrics), "cpumapd_rx_packets_total", Map.of()), "rx packets");
                String text = get(metrics, null);
                assertThat(Promtool.checkMetrics(text)).as("promtool check metrics on a live scrape").isEmpty();
                checkOpenMetrics(get(metrics, "application/openmetrics-text; version=1.0.0"));

                Exposition first = Exposition.parse(text);
                Exposition.Series build = first.one("cpumapd_build_info", Map.of());
                assertThat(build.value()).isEqualTo(1);
                assertThat(build.labels()).containsEntry("version", status.path("version").asText())
                        .containsEntry("dpdk_version", status.path("dpdk_version").asText());
                assertThat(build.labels().get("dpdk_version")).startsWith("DPDK 22.11");
                assertThat(first.value("cpumapd_cpumap_entries", Map.of())).isEqualTo(2);
                assertThat(first.value("cpumapd_ring_capacity_slots", Map.of("cpu", "0"))).isEqualTo(2048);
                assertThat(first.value("cpumapd_ring_capacity_slots", Map.of("cpu", "1"))).isEqualTo(2048);
                assertThat(first.value("cpumapd_filter_swaps_total", Map.of())).isZero();
                assertMempool(first);

                // -- Prometheus's rates against the CLI's, over the same window
                awaitPrometheus(prometheus, "sum(rate(cpumapd_rx_packets_total[5s]))", 1);
                awaitPrometheus(prometheus, "sum by (cpu) (rate(cpumapd_enqueue_packets_total[5s]))", 2);
                compareRates(d, prometheus);

                // -- churn while both scrape: entries replaced and deleted, the filter swapped twice
                Instant churnStart = Instant.now();
                int scrapesBefore = scraper.scrapes.get();
                for (int qsize : new int[] {512, 1024}) {
                    updateCpu1(d, metrics, qsize);
                }
                assertThat(DaemonEndToEndTest.json(d.cli("filter", "set", "round-robin", "-j")).path("swaps").asLong())
                        .isEqualTo(1);
                assertThat(scrape(metrics).value("cpumapd_filter_swaps_total", Map.of())).isEqualTo(1);
                Thread.sleep(700);
                updateCpu1(d, metrics, 256);
                assertThat(d.cli("filter", "set", "l4-hash").exit()).isZero();
                assertThat(scrape(metrics).value("cpumapd_filter_swaps_total", Map.of())).isEqualTo(2);
                Thread.sleep(700);
                updateCpu1(d, metrics, 4096);
                assertThat(d.cli("cpumap", "delete", "1").exit()).isZero();
                Exposition deleted = scrape(metrics);
                assertThat(deleted.value("cpumapd_cpumap_entries", Map.of())).isEqualTo(1);
                assertThat(deleted.value("cpumapd_ring_capacity_slots", Map.of("cpu", "1"))).isZero();
                assertThat(deleted.value("cpumapd_ring_used_slots", Map.of("cpu", "1"))).isZero();
                Thread.sleep(1000);
                updateCpu1(d, metrics, 2048);
                assertThat(scrape(metrics).value("cpumapd_cpumap_entries", Map.of())).isEqualTo(2);
                // Traffic reaches cpu 1 again, counted on top of what its earlier entries counted.
                double enqueued1 = scrape(metrics).value("cpumapd_enqueue_packets_total", Map.of("cpu", "1"));
                awaitPositive(() -> scrape(metrics).value("cpumapd_enqueue_packets_total", Map.of("cpu", "1"))
                        - enqueued1, "enqueue to cpu 1 after the re-add");
                Thread.sleep(2500); // two more Prometheus scrapes after the last change
                Instant churnEnd = Instant.now();

                // resets() over the whole churn (plus a second before it) as Prometheus stored it
                String window = (Duration.between(churnStart, churnEnd).toMillis() + 1000) + "ms";
                List<Sample> up = prometheus.query("count_over_time(up[" + window + "])", churnEnd);
                assertThat(up).singleElement().satisfies(s -> assertThat(s.value())
                        .as("Prometheus scraped about once a second during the churn")
                        .isGreaterThanOrEqualTo(Duration.between(churnStart, churnEnd).toSeconds() - 2));
                for (String counter : CHURNED_COUNTERS) {
                    List<Sample> resets = prometheus.query("resets(" + counter + "[" + window + "])", churnEnd);
                    assertThat(resets).as(counter).isNotEmpty();
                    assertThat(resets).as("resets(%s[%s]) per series", counter, window)
                            .allSatisfy(s -> assertThat(s.value()).as(s.labels().toString()).isZero());
                }
                // and every other cpumapd counter (resets() drops the name, so one query per name)
                List<Sample> names = prometheus.query("group by (__name__) ({__name__=~\"cpumapd_.+_total\"})", churnEnd);
                assertThat(names).hasSizeGreaterThan(CHURNED_COUNTERS.size());
                for (Sample name : names) {
                    String counter = name.labels().get("__name__");
                    assertThat(prometheus.query("sum(resets(" + counter + "[" + window + "]))", churnEnd))
                            .as(counter).singleElement().satisfies(s -> assertThat(s.value()).as(counter).isZero());
                }

                assertThat(scraper.scrapes.get() - scrapesBefore).as("direct scrapes during the churn")
                        .isGreaterThanOrEqualTo(10);
                scraper.stop();
                assertThat(scraper.problems).as("direct scrapes: counters going back, or outside the raw stats")
                        .isEmpty();
                assertThat(scraper.bracketed.get()).as("scrapes checked against raw stats").isPositive();
                assertMempool(scrape(metrics));
                assertThat(prometheus.query("up")).singleElement()
                        .satisfies(s -> assertThat(s.value()).as(prometheus.targets()).isEqualTo(1));
                assertThat(prometheus.targets()).as("Prometheus (OpenMetrics parser) scraped without error")
                        .doesNotContain("(");
            }

            // -- SIGTERM: exit 0, endpoint gone
            assertThat(d.terminate(60_000)).as(d.log()).isZero();
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", metricsPort), 2000);
                }
            }).as("metrics port closed after exit").isInstanceOf(ConnectException.class);
        }
    }

    // ---- rates

    /**
     * {@code cpumapd stats -j -i 1 -c 6} and, for the window it covered, Prometheus's rate evaluated
     * at the window's end over the window's length: total rx, and enqueue per cpu.
     */
    private void compareRates(DaemonProcess d, PrometheusServer prometheus) throws Exception {
        Instant from = Instant.now();
        Cli stats = d.cli("stats", "-j", "-i", "1", "-c", Integer.toString(WINDOW_INTERVALS));
        Instant to = Instant.now();
        assertThat(stats.exit()).as(stats.toString()).isZero();
        List<JsonNode> intervals = new ArrayList<>();
        for (String line : stats.out().strip().split("\n")) {
            intervals.add(JSON.readTree(line));
        }
        assertThat(intervals).hasSize(WINDOW_INTERVALS);
        double seconds = 0;
        double rx = 0;
        Map<String, Double> enqueue = new TreeMap<>();
        for (JsonNode i : intervals) {
            double dt = i.path("interval_seconds").asDouble();
            seconds += dt;
            rx += i.path("summary").path("rx").asDouble() * dt;
            for (JsonNode e : i.path("enqueue")) {
                enqueue.merge(e.path("cpu").asText(), e.path("enqueued").asDouble() * dt, Double::sum);
            }
        }
        double cliRx = rx / seconds;
        double windowSeconds = seconds;
        enqueue.replaceAll((cpu, packets) -> (double) Math.round(packets / windowSeconds));

        Thread.sleep(2000); // the scrapes at and just after the window's end are in the TSDB
        String range = "[" + Duration.between(from, to).toMillis() + "ms]";
        List<Sample> promRx = prometheus.query("sum(rate(cpumapd_rx_packets_total" + range + "))", to);
        List<Sample> promEnqueue = prometheus.query(
                "sum by (cpu) (rate(cpumapd_enqueue_packets_total" + range + "))", to);
        Map<String, Double> promByCpu = new TreeMap<>();
        promEnqueue.forEach(s -> promByCpu.put(s.labels().get("cpu"), (double) Math.round(s.value())));

        String report = String.format(Locale.ROOT, "window %.2f s: rx cli %.0f prometheus %.0f pkt/s; enqueue cli %s "
                + "prometheus %s", seconds, cliRx, promRx.getFirst().value(), enqueue, promByCpu);
        System.out.println("DaemonMetricsEndToEndTest: " + report);
        assertThat(cliRx).as(report).isPositive();
        assertThat(promRx).singleElement().satisfies(s -> assertThat(s.value()).as(report)
                .isCloseTo(cliRx, within(TOLERANCE * cliRx)));
        assertThat(promByCpu.keySet()).as(report).containsExactlyInAnyOrder("0", "1");
        assertThat(enqueue.keySet()).as(report).containsExactlyInAnyOrder("0", "1");
        for (String cpu : enqueue.keySet()) {
            double cli = enqueue.get(cpu);
            assertThat(cli).as("cpu %s: %s", cpu, report).isPositive();
            assertThat(promByCpu.get(cpu)).as("cpu %s: %s", cpu, report).isCloseTo(cli, within(TOLERANCE * cli));
        }
    }

    // ---- churn

    /** {@code cpumap update 1 --qsize N}, then the very next scrape shows the new ring's size. */
    private void updateCpu1(DaemonProcess d, URI metrics, int qsize) throws Exception {
        Cli c = d.cli("cpumap", "update", "1", "--qsize", Integer.toString(qsize));
        assertThat(c.exit()).as(c.toString()).isZero();
        Exposition e = scrape(metrics);
        assertThat(e.value("cpumapd_ring_capacity_slots", Map.of("cpu", "1"))).as("capacity after qsize " + qsize)
                .isEqualTo(qsize);
        assertThat(e.value("cpumapd_cpumap_entries", Map.of())).isEqualTo(2);
        Thread.sleep(500);
    }

    private static void assertMempool(Exposition e) {
        double size = e.value("cpumapd_mempool_size_mbufs", Map.of());
        double inUse = e.value("cpumapd_mempool_in_use_mbufs", Map.of());
        assertThat(size).isEqualTo(8191);
        assertThat(inUse).isNotNegative().isLessThan(size);
    }

    /**
     * A test client scraping several times a second beside Prometheus: every {@code _total} series
     * only ever goes up from one scrape to the next, and some counters also lie between the raw
     * daemon counters of a {@code stats} reply taken just before and one taken just after the scrape.
     */
    private final class DirectScraper implements AutoCloseable {
        private final URI metrics;
        private final Path socket;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger scrapes = new AtomicInteger();
        private final AtomicInteger bracketed = new AtomicInteger();
        private final List<String> problems = new CopyOnWriteArrayList<>();
        private final Map<String, Double> last = new HashMap<>();
        private Thread thread;

        DirectScraper(URI metrics, Path socket) {
            this.metrics = metrics;
            this.socket = socket;
        }

        void start() {
            thread = Thread.ofPlatform().name("direct-scraper").daemon().start(this::loop);
        }

        private void loop() {
            try (ControlClient control = new ControlClient(socket, Duration.ofSeconds(5))) {
                while (running.get()) {
                    JsonNode before = control.call(Requests.create("stats"));
                    Exposition e = scrape(metrics);
                    JsonNode after = control.call(Requests.create("stats"));
                    scrapes.incrementAndGet();
                    checkMonotonic(e);
                    checkBracketed(e, before, after);
                    Thread.sleep(150);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (running.get()) {
                    problems.add("scraper failed: " + e);
                }
            }
        }

        private void checkMonotonic(Exposition e) {
            for (Exposition.Series s : e.series()) {
                if (!s.name().endsWith("_total")) {
                    continue;
                }
                String key = s.name() + s.labels();
                Double previous = last.put(key, s.value());
                if (previous != null && s.value() < previous && problems.size() < 50) {
                    problems.add(key + " went back from " + previous + " to " + s.value());
                }
            }
        }

        private void checkBracketed(Exposition e, JsonNode before, JsonNode after) {
            boolean any = false;
            any |= bracket(e, before, after, "rx", "worker", "rx", "cpumapd_rx_packets_total");
            any |= bracket(e, before, after, "enqueue", "cpu", "enqueued", "cpumapd_enqueue_packets_total");
            any |= bracket(e, before, after, "consumers", "cpu", "processed", "cpumapd_consumer_processed_total");
            any |= bracket(e, before, after, "tap", "queue", "packets", "cpumapd_tap_packets_total");
            if (any) {
                bracketed.incrementAndGet();
            }
        }

        private boolean bracket(Exposition e, JsonNode before, JsonNode after, String section, String key,
                String field, String metric) {
            Map<String, Long> low = index(before.path(section), key, field);
            Map<String, Long> high = index(after.path(section), key, field);
            boolean checked = false;
            for (Map.Entry<String, Long> h : high.entrySet()) {
                Long l = low.get(h.getKey());
                if (l == null) {
                    continue;
                }
                double exported = e.value(metric, Map.of(key, h.getKey()));
                checked = true;
                if ((exported < l || exported > h.getValue()) && problems.size() < 50) {
                    problems.add(String.format(Locale.ROOT, "%s{%s=%s} exported %.0f outside the raw %d..%d",
                            metric, key, h.getKey(), exported, l, h.getValue()));
                }
            }
            return checked;
        }

        private static Map<String, Long> index(JsonNode items, String key, String field) {
            Map<String, Long> m = new HashMap<>();
            for (JsonNode item : items) {
                m.put(item.path(key).asText(), item.path(field).asLong());
            }
            return m;
        }

        void stop() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join(10_000);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    // ---- HTTP and the exposition

    private String get(URI uri, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String type = r.headers().firstValue("Content-Type").orElse("");
        assertThat(type).startsWith(accept == null ? "text/plain; version=0.0.4" : "application/openmetrics-text");
        return r.body();
    }

    private Exposition scrape(URI uri) throws IOException, InterruptedException {
        return Exposition.parse(get(uri, null));
    }

    /**
     * promtool 2.42's {@code check metrics} reads only the 0.0.4 text format (it takes an OpenMetrics
     * family {@code x} and its sample {@code x_total} for two metrics, the second without HELP), so an
     * OpenMetrics scrape is checked here for what sets the format apart, and by Prometheus itself,
     * which asks for OpenMetrics and must scrape without error (asserted on its targets).
     */
    private static void checkOpenMetrics(String om) {
        assertThat(om).endsWith("# EOF\n");
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : om.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                types.put(p[2], p[3]);
            }
        }
        assertThat(types).containsEntry("cpumapd_enqueue_packets", "counter")
                .containsEntry("cpumapd_build", "info") // OpenMetrics' info type: family x, sample x_info
                .containsEntry("cpumapd_mempool_in_use_mbufs", "gauge");
        Exposition e = Exposition.parse(om.replace("# EOF\n", ""));
        for (Exposition.Series s : e.series()) {
            String family = family(s.name(), types);
            assertThat(family).as("a TYPE line for " + s.name()).isNotNull();
            if (types.get(family).equals("counter")) {
                assertThat(s.name()).as("OpenMetrics counter sample").isIn(family + "_total", family + "_created");
            }
        }
    }

    private static String family(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : new String[] {"_total", "_created", "_count", "_sum", "_bucket", "_info"}) {
            if (sample.endsWith(suffix) && types.containsKey(sample.substring(0, sample.length() - suffix.length()))) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        return null;
    }

    private static double sum(Exposition e, String name, Map<String, String> labels) {
        return e.matching(name, labels).stream().mapToDouble(Exposition.Series::value).sum();
    }

    private interface Reading {
        double get() throws Exception;
    }

    private static void awaitPositive(Reading reading, String what) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        double v = 0;
        while (System.nanoTime() < end) {
            v = reading.get();
            if (v > 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " still " + v + " after 20 s");
    }

    /** Waits until {@code promql} has {@code series} samples, all above zero. */
    private static void awaitPrometheus(PrometheusServer prometheus, String promql, int series) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        List<Sample> last = List.of();
        while (System.nanoTime() < end) {
            last = prometheus.query(promql);
            if (last.size() == series && last.stream().allMatch(s -> s.value() > 0)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(promql + " = " + last + " after 20 s; targets: " + prometheus.targets());
    }

    /** A parsed text exposition (0.0.4; OpenMetrics samples parse the same once {@code # EOF} is gone). */
    record Exposition(List<Series> series) {
        record Series(String name, Map<String, String> labels, double value) {
        }

        private static final Pattern SAMPLE =
                Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: \\S+)?");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

        static Exposition parse(String text) {
            List<Series> series = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches()) {
                    throw new IllegalArgumentException("not a sample line: " + line);
                }
                Map<String, String> labels = new TreeMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                series.add(new Series(m.group(1), labels, parseValue(m.group(3))));
            }
            return new Exposition(series);
        }

        private static double parseValue(String v) {
            return switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(v);
            };
        }

        List<Series> matching(String name, Map<String, String> labels) {
            return series.stream().filter(s -> s.name().equals(name)
                    && s.labels().entrySet().containsAll(labels.entrySet())).toList();
        }

        Series one(String name, Map<String, String> labels) {
            List<Series> found = matching(name, labels);
            if (found.size() != 1) {
                throw new AssertionError(found.size() + " series " + name + labels + ": " + found);
            }
            return found.getFirst();
        }

        double value(String name, Map<String, String> labels) {
            return one(name, labels).value();
        }
    }
}
