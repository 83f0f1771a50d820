package io.cpumapd.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.cli.ExitCodes;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.testkit.DaemonConfig;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.NetNamespace;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code daemon} section of the configuration on the real process: the log level and the stall
 * time change live with a reload, the stop timeout bounds the stop; a consumer whose program blocks
 * for ever, once its entry is replaced, is named as a stuck retirement while later retirements go
 * on; and the control socket's counters and the retirements are on {@code /metrics} as in
 * {@code status -j}.
 */
class DaemonLiveKeysTest {
    @TempDir
    Path dir;

    private String yaml(Path pcap, String tap, Path socket, int metricsPort, Path plugins, String daemon) {
        return new DaemonConfig(socket).replay(pcap, true).filter("{name: l4-hash, plugin_dir: " + plugins + "}")
                .tap(tap).metrics(metricsPort).yaml()
                .replace("entries: []", "entries: [{cpu: 0, qsize: 2048}, {cpu: 1, qsize: 2048}]")
                + "\ndaemon: " + daemon + "\n";
    }

    private static String scrape(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(name + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static JsonNode status(DaemonProcess d) throws Exception {
        return DaemonEndToEndTest.json(d.cli("status", "-j"));
    }

    @Test
    void logLevelAndStallTimeApplyLiveAStuckRetirementHoldsBackNoOtherAndTheStopIsBounded() throws Exception {
        Path plugins = FaultPlugins.build(dir);
        Path pcap = dir.resolve("mixed.pcap");
        new MixedTraffic(11).dstMac("02:00:00:00:00:02").writePcap(pcap, 300);
        String tap = "cp15s" + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000));
        Path socket = dir.resolve("cpm-15s-keys.sock");
        Path config = dir.resolve("keys.yaml");
        int metricsPort = DaemonEndToEndTest.freePort();
        Files.writeString(config, yaml(pcap, tap, socket, metricsPort, plugins,
                "{log_level: info, stall_after_ms: 2000, stop_timeout_seconds: 3}"));
        try (NetNamespace ns = NetNamespace.create("cpm-15s-keys");
                // Under nohup: SIGHUP inherited as ignored must still reload (the JVM alone would not install the handler).
                DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("keys.log"), List.of("nohup"),
                        Map.of(), List.of())) {
            d.awaitLog("ready (pid", 60_000);
            assertThat(d.log()).contains("SIGHUP was inherited as ignored");
            DaemonEndToEndTest.adoptTap(ns, tap);
            // A client that sends one byte and nothing more: cut off at the request deadline, counted.
            SocketChannel trickle = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            trickle.write(ByteBuffer.wrap(new byte[] {'{'}));

            // Log level warning and a 300 ms stall time, by reload: INFO lines stop.
            Files.writeString(config, yaml(pcap, tap, socket, metricsPort, plugins,
                    "{log_level: warning, stall_after_ms: 300, stop_timeout_seconds: 3}"));
            DaemonProcess.Cli reload = d.cli("reload", "-j");
            assertThat(reload.exit()).as(reload.toString()).isZero();
            assertThat(DaemonEndToEndTest.json(reload).at("/log_level").asText()).isEqualTo("warning");
            assertThat(d.cli("cpumap", "update", "0", "--qsize", "1024").exit()).isZero();
            // Back to info, by SIGHUP: INFO lines again (the reload's own line, an update's).
            Files.writeString(config, yaml(pcap, tap, socket, metricsPort, plugins,
                    "{log_level: info, stall_after_ms: 300, stop_timeout_seconds: 3}"));
            d.signal("HUP");
            d.awaitLog("reload: reloaded " + config, 10_000);
            assertThat(d.cli("cpumap", "update", "0", "--qsize", "512").exit()).isZero();
            d.awaitLog("entry cpu 0 now qsize 512", 5_000);
            assertThat(d.log()).as("at warning, the update's INFO line is not logged")
                    .doesNotContain("entry cpu 0 now qsize 1024");

            // The stall time of the reload: a program that blocks for ever is stalled after 300 ms.
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "512", "--prog", "block").exit()).isZero();
            d.awaitLog("stalled: no poll finished for 300 ms (program block)", 10_000);
            String blocked = null;
            for (JsonNode t : status(d).at("/hot_threads")) {
                if (t.path("name").asText().startsWith("cpumap/1/")) {
                    blocked = t.path("name").asText();
                }
            }
            assertThat(blocked).isNotNull();

            // Its entry replaced: the retirement cannot stop the consumer, is named stuck, and the
            // retirements after it (entry 0, five times) all finish.
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "512").exit()).isZero();
            d.awaitLog("retiring " + blocked + " (program block): its consumer thread", 10_000);
            for (int i = 0; i < 5; i++) {
                assertThat(d.cli("cpumap", "update", "0", "--qsize", Integer.toString(256 << (i % 3))).exit())
                        .isZero();
            }
            JsonNode map = status(d).at("/cpumap");
            long end = System.nanoTime() + 10_000_000_000L;
            while (map.at("/retirements_pending").asInt() != 1 && System.nanoTime() < end) {
                Thread.sleep(100);
                map = status(d).at("/cpumap");
            }
            assertThat(map.at("/retirements_pending").asInt()).as("%s", map).isEqualTo(1);
            assertThat(map.at("/retirements_stuck").get(0).asText()).as("%s", map).isEqualTo(blocked);
            long before = FilterDaemons.rx(FilterDaemons.stats(d), "rx");
            Thread.sleep(300);
            assertThat(FilterDaemons.rx(FilterDaemons.stats(d), "rx")).as("RX forwards").isGreaterThan(before);

            // /metrics: the stuck retirement and the control socket's counters, as status -j shows them.
            end = System.nanoTime() + 15_000_000_000L;
            JsonNode control = status(d).at("/control");
            while (control.at("/evicted_idle").asLong() + control.at("/request_timeouts").asLong() == 0
                    && System.nanoTime() < end) {
                Thread.sleep(200);
                control = status(d).at("/control");
            }
            trickle.close();
            Thread.sleep(200);
            control = status(d).at("/control");
            String text = scrape(metricsPort);
            assertThat(metric(text, "cpumapd_cpumap_retirements_stuck")).isEqualTo(1.0);
            assertThat(metric(text, "cpumapd_cpumap_retirements_pending")).isEqualTo(1.0);
            assertThat(metric(text, "cpumapd_control_connections_refused_total"))
                    .isEqualTo(control.at("/refused_busy").asDouble());
            assertThat(metric(text, "cpumapd_control_connections_evicted_total"))
                    .isEqualTo(control.at("/evicted_idle").asDouble());
            assertThat(metric(text, "cpumapd_control_request_timeouts_total"))
                    .isEqualTo(control.at("/request_timeouts").asDouble());
            assertThat(metric(text, "cpumapd_control_connections_evicted_total")
                    + metric(text, "cpumapd_control_request_timeouts_total")).as("the trickle was cut off")
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(text).contains("cpumapd_control_connections ");

            // The stop timeout of the file: the stop gives up after 3 s, naming the blocked consumer.
            long start = System.nanoTime();
            d.process().destroy();
            assertThat(d.process().waitFor(30, TimeUnit.SECONDS)).as(d.log()).isTrue();
            assertThat(d.process().exitValue()).as(d.log()).isEqualTo(ExitCodes.STUCK);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(d.log()).contains("shutdown gave up after 3 s: ").contains(blocked + " (program block)");
        }
    }
}
