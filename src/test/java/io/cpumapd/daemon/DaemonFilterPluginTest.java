package io.cpumapd.daemon;

import static io.cpumapd.daemon.FilterDaemons.rx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.cli.ExitCodes;
import io.cpumapd.filter.JavaSources;
import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.PcapWriter;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.DaemonProcess.Cli;
import io.cpumapd.testkit.NetNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example plugin ({@code examples/filter-plugin}, {@code dns-guard}) end to end: compiled into a
 * jar in a plugin directory next to a jar of deliberately broken filters, the daemon started on a
 * built-in filter with {@code filter.plugin_dir} pointing there, then {@code cpumapd filter set} through
 * the real CLI. The capture loops ({@code infinite_rx}) over a fixed pattern of 10 frames: 1 UDP to
 * port 9, 1 UDP and 1 TCP to port 53, 7 others; so the RX drop share over any window is what the
 * filter in place dictates: 1/10 under {@code l4-filter}, 2/10 under {@code dns-guard port=53}.
 */
class DaemonFilterPluginTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("basedir", ".")).resolve("examples/filter-plugin");
    private static final String SERVICES = "META-INF/services/io.cpumapd.filter.FilterProvider";

    @TempDir
    Path dir;

    /** A filter whose public no-argument constructor throws; loadable by its class name only. */
    private static final String EXPLODING = """
            package com.example.broken;
            public final class ExplodingFilter implements io.cpumapd.packet.PacketFilter {
                public ExplodingFilter() {
                    throw new IllegalStateException("exploding on purpose");
                }
                public io.cpumapd.packet.Verdict filter(io.cpumapd.packet.Packet p) {
                    return io.cpumapd.packet.Verdict.DROP;
                }
            }
            """;
    /** A registered provider (so the directory loads) whose {@code create} throws. */
    private static final String FAILING = """
            package com.example.broken;
            public final class FailingProvider implements io.cpumapd.filter.FilterProvider {
                public String name() {
                    return "failing";
                }
                public io.cpumapd.packet.PacketFilter create(java.util.Map<String, String> params,
                        io.cpumapd.filter.TargetSet targets) {
                    throw new IllegalStateException("create fails on purpose");
                }
            }
            """;

    private Path plugins() throws Exception {
        Path plugins = dir.resolve("plugins");
        Path classes = dir.resolve("dns-guard-classes");
        JavaSources.compile(JavaSources.javaFilesUnder(EXAMPLE.resolve("src/main/java")), classes, null);
        JavaSources.jar(classes, Map.of(SERVICES, Files.readString(EXAMPLE.resolve("src/main/resources/" + SERVICES))),
                plugins.resolve("dns-guard.jar"));
        Path broken = dir.resolve("broken-classes");
        JavaSources.compileText(Map.of("com/example/broken/ExplodingFilter.java", EXPLODING,
                "com/example/broken/FailingProvider.java", FAILING), dir.resolve("broken-src"), broken);
        JavaSources.jar(broken, Map.of(SERVICES, "com.example.broken.FailingProvider\n"), plugins.resolve("broken.jar"));
        return plugins;
    }

    private Path capture() throws Exception {
        Path pcap = dir.resolve("dns.pcap");
        try (PcapWriter w = new PcapWriter(pcap)) {
            long ts = 1_735_689_600_000_000_000L;
            for (int i = 0; i < 200; i++) {
                String src = "198.18." + (i % 7) + "." + (1 + i % 250);
                FrameBuilder b = FrameBuilder.ethernet().dstMac("02:00:00:00:00:02").ipv4(src, "198.18.0.1");
                int sport = 40_000 + i;
                switch (i % 10) {
                    case 0 -> b.udp(sport, 9);
                    case 3 -> b.udp(sport, 53);
                    case 6 -> b.tcp(sport, 53).tcpFlags(FrameBuilder.ACK);
                    case 1, 4, 8 -> b.udp(sport, 1000 + i);
                    default -> b.tcp(sport, 443).tcpFlags(FrameBuilder.ACK);
                }
                w.write(b.payload(new byte[32]).build(), ts);
                ts += 10_000;
            }
        }
        return pcap;
    }

    /** RX drops per received frame over ~0.6 s of traffic. */
    private static double dropShare(DaemonProcess d) throws Exception {
        JsonNode a = FilterDaemons.stats(d);
        Thread.sleep(600);
        JsonNode b = FilterDaemons.stats(d);
        long received = rx(b, "rx") - rx(a, "rx");
        assertThat(received).as("traffic flows: %s", b).isGreaterThan(10_000);
        assertThat(rx(b, "aborted") - rx(a, "aborted")).as("no aborts: %s", b).isZero();
        return (double) (rx(b, "drop") - rx(a, "drop")) / received;
    }

    private static JsonNode json(Cli c) throws Exception {
        assertThat(c.exit()).as(c.toString()).isZero();
        return FilterDaemons.JSON.readTree(c.out());
    }

    private static void assertRefused(Cli c, String... mentions) {
        assertThat(c.exit()).as(c.toString()).isEqualTo(ExitCodes.EFILTER);
        assertThat(c.err()).as(c.toString()).contains("EFILTER").contains(mentions)
                .contains("the filter in place is unchanged: dns-guard");
        assertThat(c.err().strip().lines()).as("one line").hasSize(1);
    }

    @Test
    void exampleSwappedInThroughTheCliAndBrokenOnesRefusedWithTheOldKept() throws Exception {
        Path pluginDir = plugins();
        String tap = FilterDaemons.tapName();
        Map<String, Object> filter = FilterDaemons.filter("l4-filter", Map.of());
        filter.put("plugin_dir", pluginDir.toString());
        String yaml = FilterDaemons.config(capture(), true, tap, dir.resolve("plugin.sock"), filter, "drop");
        try (NetNamespace ns = NetNamespace.create("cpumapd-plugin");
                DaemonProcess d = FilterDaemons.start(dir, "plugin", yaml, ns, tap)) {
            assertThat(dropShare(d)).as("l4-filter drops UDP to port 9").isCloseTo(0.1, within(0.02));

            JsonNode set = json(d.cli("filter", "set", "dns-guard", "--param", "port=53", "-j"));
            assertThat(set.at("/name").asText()).isEqualTo("dns-guard");
            JsonNode shown = json(d.cli("filter", "show", "-j"));
            assertThat(shown.at("/name").asText()).isEqualTo("dns-guard");
            assertThat(shown.at("/params")).isEqualTo(FilterDaemons.JSON.valueToTree(Map.of("port", "53")));
            assertThat(shown.at("/swaps").asLong()).isEqualTo(1);
            long dnsDrops = shown.at("/counters/dropped_dns").asLong();
            Cli text = d.cli("filter", "show");
            assertThat(text.out()).contains("dns-guard").contains("port=53");
            assertThat(d.log()).contains("swapped to dns-guard");
            Thread.sleep(100);
            assertThat(dropShare(d)).as("dns-guard drops UDP and TCP to port 53").isCloseTo(0.2, within(0.02));
            JsonNode s = FilterDaemons.stats(d);
            assertThat(FilterDaemons.enqueue(s, 0, "enqueued")).as("hash spreads over both entries").isPositive();
            assertThat(FilterDaemons.enqueue(s, 1, "enqueued")).isPositive();

            // Refusals: exit 16, one clear line, the old filter stays and keeps filtering.
            assertRefused(d.cli("filter", "set", "no-such-filter"), "unknown filter 'no-such-filter'", "dns-guard",
                    "failing");
            assertRefused(d.cli("filter", "set", "com.example.broken.ExplodingFilter"),
                    "com.example.broken.ExplodingFilter", "exploding on purpose");
            assertRefused(d.cli("filter", "set", "failing"), "plugin 'failing'", "create fails on purpose");
            // A class of the class path is no filter, even with plugins: only the jars' classes are.
            assertRefused(d.cli("filter", "set", "io.cpumapd.filter.NoTouchFilter"), "no class of that name in the plugin jars");
            assertRefused(d.cli("filter", "set", "dns-guard", "--param", "port=65536"), "65536");
            assertRefused(d.cli("filter", "set", "dns-guard", "--param", "ports=53"), "unknown parameter 'ports'");
            shown = json(d.cli("filter", "show", "-j"));
            assertThat(shown.at("/name").asText()).isEqualTo("dns-guard");
            assertThat(shown.at("/params/port").asText()).isEqualTo("53");
            assertThat(shown.at("/swaps").asLong()).as("refusals are no swaps").isEqualTo(1);
            assertThat(shown.at("/counters/dropped_dns").asLong()).as("the plugin's own counter, through filter show")
                    .isGreaterThan(dnsDrops);
            assertThat(dropShare(d)).as("still dns-guard").isCloseTo(0.2, within(0.02));

            // Back to a built-in whose parameter holds '=': the CLI splits KEY=VALUE at the first '='.
            JsonNode acl = json(d.cli("filter", "set", "acl", "--param", "rule.1=drop proto=udp dport=1000-1199",
                    "--param", "default=redirect:1", "-j"));
            assertThat(acl.at("/params/rule.1").asText()).isEqualTo("drop proto=udp dport=1000-1199");
            Thread.sleep(100);
            assertThat(dropShare(d)).as("acl drops UDP to 1000..1199: 3 frames in 10")
                    .isCloseTo(0.3, within(0.02));
            FilterDaemons.assertStopsCleanly(d);
        }
    }
}
