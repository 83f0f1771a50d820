package io.cpumapd.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpumapd.testkit.PrometheusServer.Sample;
import io.cpumapd.testkit.PrometheusServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The real Prometheus (Debian's, on loopback) scraping {@link MetricsServer} every second with
 * the Accept and Accept-Encoding headers it chooses, while the test drives one RX worker's
 * packet counter at a known rate: {@code rate()} must come back at that rate. The scrape of the
 * live daemon, fed by real ports, is the lead's end-to-end test.
 */
class PrometheusScrapeTest {
    private static final double PACKETS_PER_SECOND = 2_000;
    private static final double TOLERANCE = 0.10;
    private static final long TIMEOUT_NS = 30_000_000_000L;

    @Test
    void prometheusSeesTheRateTheTestDrives() throws Exception {
        TestSource source = new TestSource();
        long t0 = System.nanoTime();
        // A counter that grows linearly with time: whenever Prometheus scrapes, the sample lies on
        // the same line, so rate() over any window is the driven rate up to scrape-time jitter.
        // The test thread is the block's one writer, as an RX worker would be; it writes the line's
        // value every few milliseconds between queries.
        LongSupplier line = () -> (long) ((System.nanoTime() - t0) * PACKETS_PER_SECOND / 1e9);
        source.set("rx/1/RX", 7);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                .throwExceptionOnRegistrationFailure();
        try (CpumapdMeters meters = CpumapdMeters.register(registry, source);
                MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry);
                PrometheusServer prometheus = PrometheusServer.start(server.uri())) {
            String query = "rate(cpumapd_rx_packets_total{worker=\"rx0\"}[5s])";
            double rate = Double.NaN;
            long deadline = System.nanoTime() + TIMEOUT_NS;
            while (System.nanoTime() < deadline) {
                source.set("rx/0/RX", line.getAsLong());
                List<Sample> samples = prometheus.query(query);
                if (samples.size() == 1) {
                    rate = samples.getFirst().value();
                    if (rate > 0 && Math.abs(rate - PACKETS_PER_SECOND) <= TOLERANCE * PACKETS_PER_SECOND) {
                        break;
                    }
                }
                for (int i = 0; i < 100; i++) {
                    Thread.sleep(5);
                    source.set("rx/0/RX", line.getAsLong());
                }
            }
            assertThat(rate).as("%s (targets: %s)", query, prometheus.targets())
                    .isCloseTo(PACKETS_PER_SECOND, within(TOLERANCE * PACKETS_PER_SECOND));

            List<Sample> rx = prometheus.query("cpumapd_rx_packets_total");
            assertThat(rx).extracting(s -> s.labels().get("worker")).containsExactlyInAnyOrder("rx0", "rx1");
            assertThat(rx).allSatisfy(s -> assertThat(s.labels()).containsEntry("job", PrometheusServer.JOB));
            assertThat(rx).filteredOn(s -> "rx1".equals(s.labels().get("worker")))
                    .singleElement().satisfies(s -> assertThat(s.value()).isEqualTo(7));
            assertThat(prometheus.query("cpumapd_build_info")).singleElement()
                    .satisfies(s -> assertThat(s.labels()).containsEntry("version", TestSource.VERSION)
                            .containsEntry("dpdk_version", TestSource.DPDK_VERSION));
            assertThat(prometheus.query("count(cpumapd_enqueue_packets_total)")).singleElement()
                    .satisfies(s -> assertThat(s.value()).isEqualTo(TestSource.MAX_ENTRIES));
            assertThat(prometheus.query("up{job=\"" + PrometheusServer.JOB + "\"}")).singleElement()
                    .satisfies(s -> assertThat(s.value()).isEqualTo(1));
        } finally {
            registry.close();
        }
    }
}
