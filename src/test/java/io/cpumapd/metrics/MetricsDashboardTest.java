package io.cpumapd.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpumapd.testkit.Promtool;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code config/grafana/cpumapd-dashboard.json}: valid JSON on the {@code ${DS_PROMETHEUS}}
 * data source, every expression parses as PromQL, and every metric and {@code by} label it uses
 * exists in what {@link CpumapdMeters} exposes.
 */
class MetricsDashboardTest {
    private static final Path DASHBOARD = Path.of("config/grafana/cpumapd-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\b(?:cpumapd|jvm|process|system)_[a-z0-9_]+");
    private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
    /** Labels Prometheus adds to every scraped series. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    private static JsonNode dashboard;
    private static Exposition exposition;

    @BeforeAll
    static void load() throws IOException, InterruptedException {
        dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                .throwExceptionOnRegistrationFailure();
        try (CpumapdMeters meters = CpumapdMeters.register(registry, new TestSource())) {
            // The GC pause timer appears with the first collection the JVM reports.
            long deadline = System.nanoTime() + 10_000_000_000L;
            do {
                System.gc();
                Thread.sleep(50);
                exposition = Exposition.parse(registry.scrape());
            } while (exposition.named("jvm_gc_pause_seconds_max").isEmpty() && System.nanoTime() < deadline);
        } finally {
            registry.close();
        }
    }

    private static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        return panels;
    }

    /** Every PromQL expression: panel targets and query variables. */
    private static List<String> expressions() {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : panels()) {
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                exprs.add(v.path("definition").asText());
            }
        }
        return exprs;
    }

    @Test
    void isAGrafanaDashboardOnThePrometheusDataSourceVariable() {
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.path("uid").asText()).isEqualTo("cpumapd");
        JsonNode ds = dashboard.path("templating").path("list").get(0);
        assertThat(ds.path("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(ds.path("type").asText()).isEqualTo("datasource");
        assertThat(ds.path("query").asText()).isEqualTo("prometheus");

        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels()) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id of %s", title).isTrue();
            assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo("${DS_PROMETHEUS}");
            JsonNode pos = panel.path("gridPos");
            assertThat(pos.path("x").asInt() + pos.path("w").asInt()).as(title).isLessThanOrEqualTo(24);
            assertThat(panel.path("targets")).as(title).isNotEmpty();
            for (JsonNode t : panel.path("targets")) {
                assertThat(t.path("datasource").path("uid").asText()).as(title).isEqualTo("${DS_PROMETHEUS}");
                assertThat(t.path("expr").asText()).as(title).isNotBlank();
            }
        }
    }

    @Test
    void coversWhatAnOperatorWatches() {
        String all = String.join("\n", expressions());
        assertThat(all).contains("cpumapd_rx_packets_total", "cpumapd_rx_verdicts_total",
                "cpumapd_enqueue_packets_total", "cpumapd_enqueue_drops_total", "cpumapd_enqueue_bulk_calls_total",
                "cpumapd_ring_used_slots", "cpumapd_ring_capacity_slots", "cpumapd_consumer_processed_total",
                "cpumapd_consumer_drops_total", "cpumapd_consumer_sched_total", "cpumapd_consumer_busy_seconds_total",
                "cpumapd_consumer_idle_seconds_total", "cpumapd_tap_packets_total", "cpumapd_tap_errors_total",
                "cpumapd_port_rx_missed_total", "cpumapd_port_rx_nombuf_total", "cpumapd_mempool_in_use_mbufs",
                "jvm_gc_pause_seconds");
    }

    @Test
    void everyExpressionParsesAsPromql() {
        List<String> substituted = expressions().stream()
                .filter(e -> !e.startsWith("label_values(")) // Grafana's function, not PromQL
                .map(e -> e.replace("$__rate_interval", "1m").replace("$instance", ".*")).toList();
        assertThat(substituted).isNotEmpty();
        assertThat(Promtool.checkExpressions(substituted)).isEmpty();
    }

    @Test
    void everyMetricAndGroupingLabelExists() {
        Set<String> names = exposition.series().stream().map(Exposition.Series::name).collect(Collectors.toSet());
        assertThat(names).contains("jvm_gc_pause_seconds_sum", "jvm_gc_pause_seconds_max");
        for (String expr : expressions()) {
            Set<String> used = new TreeSet<>();
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                used.add(m.group());
            }
            assertThat(used).as("metrics of %s", expr).isNotEmpty();
            assertThat(names).as("metrics of %s", expr).containsAll(used);

            Set<String> labels = new TreeSet<>(TARGET_LABELS);
            exposition.series().stream().filter(s -> used.contains(s.name()))
                    .forEach(s -> labels.addAll(s.labels().keySet()));
            Matcher by = BY.matcher(expr);
            while (by.find()) {
                for (String label : by.group(1).split(",")) {
                    assertThat(labels).as("label %s in %s", label.strip(), expr).contains(label.strip());
                }
            }
        }
    }
}
