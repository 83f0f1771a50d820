package io.cpumapd.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.tap.InjectError;
import io.cpumapd.testkit.Promtool;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exposition of {@link CpumapdMeters} over a {@link TestSource} whose counters the test sets:
 * names, types and labels as documented, clean for {@code promtool}, values read at scrape time,
 * counters that never go backwards. Binding the daemon's counters to a {@link MetricsSource}, and
 * scraping the live daemon end to end, are tested with the daemon.
 */
class MetricsMetersTest {
    private static final int P = TestSource.PORTS.size();
    private static final int W = TestSource.WORKERS.size();
    private static final int C = TestSource.MAX_ENTRIES;
    private static final int Q = TestSource.TAP_QUEUES;

    /** Prometheus name → type, label names, number of series. */
    record Expected(String type, Set<String> labels, int series) {
        static Expected of(String type, int series, String... labels) {
            return new Expected(type, new TreeSet<>(List.of(labels)), series);
        }
    }

    static final Map<String, Expected> EXPECTED = new TreeMap<>();

    static {
        for (String n : List.of("rx_packets", "rx_bytes", "rx_missed", "rx_nombuf", "rx_errors", "tx_packets",
                "tx_bytes", "tx_errors")) {
            EXPECTED.put("cpumapd_port_" + n + "_total", Expected.of("counter", P, "port"));
        }
        EXPECTED.put("cpumapd_rx_packets_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_rx_verdicts_total", Expected.of("counter", W * 5, "worker", "cpu", "verdict"));
        EXPECTED.put("cpumapd_rx_redirect_errors_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_rx_exceptions_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_rx_pass_drops_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_rx_tx_errors_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_rx_skb_errors_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_rx_empty_polls_total", Expected.of("counter", W, "worker", "cpu"));
        EXPECTED.put("cpumapd_enqueue_packets_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_enqueue_drops_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_enqueue_bulk_calls_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_ring_used_slots", Expected.of("gauge", C, "cpu"));
        EXPECTED.put("cpumapd_ring_capacity_slots", Expected.of("gauge", C, "cpu"));
        EXPECTED.put("cpumapd_consumer_processed_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_consumer_drops_total", Expected.of("counter", C * 3, "cpu", "reason"));
        EXPECTED.put("cpumapd_consumer_sched_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_consumer_verdicts_total", Expected.of("counter", C * 3, "cpu", "verdict"));
        EXPECTED.put("cpumapd_consumer_exceptions_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_consumer_busy_seconds_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_consumer_idle_seconds_total", Expected.of("counter", C, "cpu"));
        EXPECTED.put("cpumapd_tap_packets_total", Expected.of("counter", Q, "queue"));
        EXPECTED.put("cpumapd_tap_bytes_total", Expected.of("counter", Q, "queue"));
        EXPECTED.put("cpumapd_tap_errors_total",
                Expected.of("counter", Q * InjectError.values().length, "queue", "errno"));
        EXPECTED.put("cpumapd_tap_gro_segments_total", Expected.of("counter", Q, "queue"));
        EXPECTED.put("cpumapd_tap_gro_frames_total", Expected.of("counter", Q, "queue"));
        EXPECTED.put("cpumapd_tap_gro_bad_checksum_total", Expected.of("counter", Q, "queue"));
        EXPECTED.put("cpumapd_tap_gro_flushes_total", Expected.of("counter", Q * 5, "queue", "reason"));
        EXPECTED.put("cpumapd_mempool_size_mbufs", Expected.of("gauge", 1));
        EXPECTED.put("cpumapd_mempool_in_use_mbufs", Expected.of("gauge", 1));
        EXPECTED.put("cpumapd_filter_swaps_total", Expected.of("counter", 1));
        EXPECTED.put("cpumapd_cpumap_entries", Expected.of("gauge", 1));
        EXPECTED.put("cpumapd_cpumap_retirements_pending", Expected.of("gauge", 1));
        EXPECTED.put("cpumapd_cpumap_retirements_stuck", Expected.of("gauge", 1));
        EXPECTED.put("cpumapd_cpumap_rings_deferred", Expected.of("gauge", 1));
        EXPECTED.put("cpumapd_build_info", Expected.of("gauge", 1, "version", "dpdk_version"));
    }

    private final TestSource source = new TestSource();
    private PrometheusMeterRegistry registry;
    private CpumapdMeters meters;

    @BeforeEach
    void register() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT).throwExceptionOnRegistrationFailure();
        meters = CpumapdMeters.register(registry, source);
    }

    @AfterEach
    void close() {
        meters.close();
        registry.close();
    }

    private Exposition scrape() {
        return Exposition.parse(registry.scrape());
    }

    @Test
    void everyMeterHasItsNameTypeAndLabelsFromTheFirstScrape() {
        Exposition e = scrape();
        Set<String> cpumapd = e.types().keySet().stream().filter(n -> n.startsWith("cpumapd_"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(cpumapd).isEqualTo(EXPECTED.keySet());
        EXPECTED.forEach((name, expected) -> {
            assertThat(e.types().get(name)).as("type of %s", name).isEqualTo(expected.type());
            List<Exposition.Series> series = e.named(name);
            assertThat(series).as("series of %s", name).hasSize(expected.series());
            for (Exposition.Series s : series) {
                assertThat(s.labels().keySet()).as("labels of %s", name).isEqualTo(expected.labels());
            }
        });
        assertThat(e.value("cpumapd_build_info", "version", TestSource.VERSION, "dpdk_version",
                TestSource.DPDK_VERSION)).isEqualTo(1);
        assertThat(e.named("cpumapd_rx_verdicts_total").stream().map(s -> s.labels().get("verdict")).distinct())
                .containsExactlyInAnyOrder("aborted", "drop", "pass", "tx", "redirect");
        assertThat(e.named("cpumapd_consumer_drops_total").stream().map(s -> s.labels().get("reason")).distinct())
                .containsExactlyInAnyOrder("inject", "too_short", "program");
        assertThat(e.named("cpumapd_consumer_verdicts_total").stream().map(s -> s.labels().get("verdict")).distinct())
                .containsExactlyInAnyOrder("pass", "drop", "redirect");
        assertThat(e.named("cpumapd_tap_errors_total").stream().map(s -> s.labels().get("errno")).distinct())
                .containsExactlyInAnyOrder("EAGAIN", "EIO", "ENETDOWN", "EBADFD", "EINVAL", "OTHER");
        assertThat(e.named("cpumapd_enqueue_packets_total").stream().map(s -> s.labels().get("cpu")))
                .containsExactlyInAnyOrder("0", "1", "2", "3");
        assertThat(e.value("cpumapd_rx_packets_total", "worker", "rx1")).isZero();
        assertThat(e.named("cpumapd_rx_packets_total").stream().map(s -> s.labels().get("cpu")))
                .containsExactlyInAnyOrder("2", "3");
    }

    @Test
    void jvmAndProcessMetersAreThere() {
        Exposition e = scrape();
        assertThat(e.types()).containsKeys("jvm_memory_used_bytes", "jvm_threads_live_threads",
                "process_cpu_usage", "process_cpu_seconds_total", "system_cpus", "process_uptime_seconds", "jvm_gc_memory_allocated_bytes_total");
    }

    @Test
    void promtoolFindsNothingToSay() {
        source.set("rx/0/RX", 12).set("consumer/1/BUSY_NS", 2_500_000_000L).set("mempool/size", 8191);
        System.gc(); // registers the GC pause timer, so that its exposition is linted too
        assertThat(Promtool.checkMetrics(registry.scrape())).isEmpty();
    }

    @Test
    void valuesAreReadFromTheSourceAtScrapeTime() {
        source.set("port/0/RX_MISSED", 7).set("port/1/TX_BYTES", 1500)
                .set("rx/1/RX", 1000).set("rx/1/REDIRECT", 600).set("rx/1/PASS_DROPS", 3)
                .set("enqueue/2/ENQUEUED", 590).set("enqueue/2/DROPS", 10)
                .set("enqueue/2/BULK_CALLS", 74)
                .set("ring/2/used", 100).set("ring/2/capacity", 2048)
                .set("consumer/2/" + ConsumerCounter.PROCESSED, 590).set("consumer/2/" + ConsumerCounter.SCHED, 9)
                .set("consumer/2/TOO_SHORT", 2)
                .set("consumer/2/" + ConsumerCounter.REDIRECT, 1)
                .set("consumer/2/BUSY_NS", 1_500_000_000L).set("consumer/2/IDLE_NS", 250_000_000L)
                .set("tap/1/PACKETS", 580).set("tap/1/BYTES", 58_000).set("tap/1/EIO", 4)
                .set("mempool/size", 8191).set("mempool/inUse", 512).set("filter/swaps", 3).set("entries", 1);
        Exposition e = scrape();
        assertThat(e.value("cpumapd_port_rx_missed_total", "port", "replay0")).isEqualTo(7);
        assertThat(e.value("cpumapd_port_tx_bytes_total", "port", "uplink1")).isEqualTo(1500);
        assertThat(e.value("cpumapd_rx_packets_total", "worker", "rx1", "cpu", "3")).isEqualTo(1000);
        assertThat(e.value("cpumapd_rx_verdicts_total", "worker", "rx1", "verdict", "redirect")).isEqualTo(600);
        assertThat(e.value("cpumapd_rx_pass_drops_total", "worker", "rx1")).isEqualTo(3);
        assertThat(e.value("cpumapd_enqueue_packets_total", "cpu", "2")).isEqualTo(590);
        assertThat(e.value("cpumapd_enqueue_drops_total", "cpu", "2")).isEqualTo(10);
        assertThat(e.value("cpumapd_enqueue_bulk_calls_total", "cpu", "2")).isEqualTo(74);
        assertThat(e.value("cpumapd_ring_used_slots", "cpu", "2")).isEqualTo(100);
        assertThat(e.value("cpumapd_ring_capacity_slots", "cpu", "2")).isEqualTo(2048);
        assertThat(e.value("cpumapd_consumer_processed_total", "cpu", "2")).isEqualTo(590);
        assertThat(e.value("cpumapd_consumer_sched_total", "cpu", "2")).isEqualTo(9);
        assertThat(e.value("cpumapd_consumer_drops_total", "cpu", "2", "reason", "too_short")).isEqualTo(2);
        assertThat(e.value("cpumapd_consumer_verdicts_total", "cpu", "2", "verdict", "redirect")).isEqualTo(1);
        assertThat(e.value("cpumapd_consumer_busy_seconds_total", "cpu", "2")).isEqualTo(1.5);
        assertThat(e.value("cpumapd_consumer_idle_seconds_total", "cpu", "2")).isEqualTo(0.25);
        assertThat(e.value("cpumapd_tap_packets_total", "queue", "1")).isEqualTo(580);
        assertThat(e.value("cpumapd_tap_bytes_total", "queue", "1")).isEqualTo(58_000);
        assertThat(e.value("cpumapd_tap_errors_total", "queue", "1", "errno", "EIO")).isEqualTo(4);
        assertThat(e.value("cpumapd_mempool_size_mbufs")).isEqualTo(8191);
        assertThat(e.value("cpumapd_mempool_in_use_mbufs")).isEqualTo(512);
        assertThat(e.value("cpumapd_filter_swaps_total")).isEqualTo(3);
        assertThat(e.value("cpumapd_cpumap_entries")).isEqualTo(1);

        source.set("rx/1/RX", 1200);
        assertThat(scrape().value("cpumapd_rx_packets_total", "worker", "rx1")).isEqualTo(1200);
    }

    @Test
    void aKeyWithoutEntryReadsZeroInItsRingGauges() {
        source.set("ring/1/used", 5).set("ring/1/capacity", 64);
        assertThat(scrape().value("cpumapd_ring_capacity_slots", "cpu", "1")).isEqualTo(64);
        source.set("ring/1/used", 0).set("ring/1/capacity", 0); // entry deleted
        Exposition e = scrape();
        for (int cpu = 0; cpu < C; cpu++) {
            assertThat(e.value("cpumapd_ring_used_slots", "cpu", Integer.toString(cpu))).isZero();
            assertThat(e.value("cpumapd_ring_capacity_slots", "cpu", Integer.toString(cpu))).isZero();
        }
    }

    @Test
    void aCounterWhoseSourceDropsDoesNotGoBackwards() {
        String key = "consumer/1/" + ConsumerCounter.PROCESSED;
        source.set(key, 100).set("consumer/1/BUSY_NS", 3_000_000_000L);
        assertThat(scrape().value("cpumapd_consumer_processed_total", "cpu", "1")).isEqualTo(100);

        // The entry of cpu 1 was replaced and a source counted only the new consumer's block.
        source.set(key, 40).set("consumer/1/BUSY_NS", 1_000_000_000L);
        Exposition e = scrape();
        assertThat(e.value("cpumapd_consumer_processed_total", "cpu", "1")).isEqualTo(100);
        assertThat(e.value("cpumapd_consumer_busy_seconds_total", "cpu", "1")).isEqualTo(3);

        source.set(key, 150);
        assertThat(scrape().value("cpumapd_consumer_processed_total", "cpu", "1")).isEqualTo(150);
    }

    @Test
    void aSourceThatThrowsDoesNotBreakTheScrape() {
        source.set("port/0/RX_PACKETS", 42);
        assertThat(scrape().value("cpumapd_port_rx_packets_total", "port", "replay0")).isEqualTo(42);
        source.supply("port/0/RX_PACKETS", () -> {
            throw new IllegalStateException("port closed");
        });
        source.supply("mempool/inUse", () -> {
            throw new IllegalStateException("mempool freed");
        });
        Exposition e = scrape();
        assertThat(e.value("cpumapd_port_rx_packets_total", "port", "replay0")).isEqualTo(42);
        assertThat(e.value("cpumapd_mempool_in_use_mbufs")).isNaN();
    }

    @Test
    void metersKeepTheirStateAcrossGarbageCollections() {
        source.set("rx/0/" + RxCounter.DROP, 5).set("mempool/size", 8191);
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Exposition e = scrape();
        assertThat(e.value("cpumapd_rx_verdicts_total", "worker", "rx0", "verdict", "drop")).isEqualTo(5);
        assertThat(e.value("cpumapd_mempool_size_mbufs")).isEqualTo(8191);
        assertThat(e.value("cpumapd_build_info")).isEqualTo(1);
    }

    @Test
    void closeRemovesTheCpumapdMetersAndKeepsTheJvmOnes() {
        meters.close();
        Exposition e = scrape();
        assertThat(e.types().keySet()).noneMatch(n -> n.startsWith("cpumapd_"));
        assertThat(e.types()).containsKey("jvm_memory_used_bytes");
    }
}
