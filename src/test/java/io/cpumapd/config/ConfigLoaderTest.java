package io.cpumapd.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String MINIMAL = """
            ports:
              - name: replay0
                device: net_null0
            rx_workers:
              - core: 0
                queues: [{port: replay0, queue: 0}]
            filter:
              name: l4-hash
            cpumap:
              max_entries: 1
            """;

    @TempDir
    Path dir;

    @Test
    void embeddedDefaultHasTheDocumentedValues() throws Exception {
        Config c = ConfigLoader.loadDefault();

        assertThat(c.eal().args()).containsExactly("--no-huge", "-m", "512", "--no-pci", "--no-telemetry");
        assertThat(c.mempool()).isEqualTo(new MempoolConfig(8191, 256, 2176));
        PortConfig port = c.ports().getFirst();
        assertThat(port.name()).isEqualTo("replay0");
        assertThat(port.device()).isEqualTo("net_pcap0");
        Path pcap = Path.of(port.argValues("rx_pcap").getFirst());
        assertThat(pcap).isAbsolute().hasFileName("mixed-traffic.pcap");
        // the extracted capture is the bundled one: pcap magic and 1000 frames' worth of bytes
        assertThat(Files.size(pcap)).isEqualTo(Files.size(Path.of("config/mixed-traffic.pcap")));
        assertThat(port.vdevArg()).isEqualTo("net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1");
        assertThat(port.ealDeviceArgs()).containsExactly("--vdev=net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1");
        assertThat(port.argMap()).containsEntry("infinite_rx", "1");
        assertThat(port.isPci()).isFalse();
        assertThat(List.of(port.rxQueues(), port.rxDescriptors(), port.txDescriptors())).containsExactly(1, 1024, 1024);
        assertThat(port.promiscuous()).isTrue();
        assertThat(c.rxWorkers()).containsExactly(new RxWorkerConfig("rx0", 0, List.of(new QueueRef("replay0", 0)), "native"));
        assertThat(c.filter().name()).isEqualTo("l4-hash");
        assertThat(c.filter().params()).isEmpty();
        assertThat(c.filter().pluginDir()).isNull();
        assertThat(c.cpumap().maxEntries()).isEqualTo(2);
        assertThat(c.cpumap().entries()).containsExactly(new CpuMapEntryConfig(0, 2048, "pass", Map.of()),
                new CpuMapEntryConfig(1, 2048, "pass", Map.of()));
        assertThat(c.consumer()).isEqualTo(new ConsumerConfig(8, "backoff"));
        assertThat(c.tap()).isEqualTo(new TapConfig("cpumapd0", 0, 1500, "198.18.0.1/15", "02:00:00:00:00:02", true, null, true));
        assertThat(c.tap().effectiveQueues(c)).isEqualTo(3);
        assertThat(c.tap().addressIp()).isEqualTo("198.18.0.1");
        assertThat(c.tap().prefixLength()).isEqualTo(15);
        assertThat(c.metrics()).isEqualTo(new MetricsConfig(true, "127.0.0.1", 9477));
        assertThat(c.metrics().socketAddress().getPort()).isEqualTo(9477);
        assertThat(c.control().socket()).isEqualTo(Path.of("/run/cpumapd/cpumapd.sock"));
        assertThat(c.control().modeBits()).isEqualTo(0600);
        assertThat(c.daemon()).isEqualTo(new DaemonConfig("info", 2000, 20));
        assertThat(c.daemon().stallAfter()).hasMillis(2000);
        assertThat(c.daemon().stopTimeout()).hasSeconds(20);
        assertThat(c.ealArgs()).containsExactly("--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
                "--vdev=net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1");
    }

    @Test
    void everyKeyOfTheDefaultFileIsExplained() {
        // a key is explained by a comment on its line or on the line above, or earlier for a repeated key
        List<String> lines = ConfigLoader.defaultYaml().lines().toList();
        java.util.Set<String> explained = new java.util.HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            String key = s.replaceFirst("^- ", "").replaceFirst(":.*", "");
            boolean commented = s.contains("#") || lines.get(i - 1).strip().startsWith("#");
            assertThat(commented || explained.contains(key)).as("no comment for: " + lines.get(i)).isTrue();
            explained.add(key);
        }
    }

    @Test
    void minimalFileGetsEveryDefault() {
        Config c = ConfigLoader.parse(MINIMAL, dir);

        assertThat(c.eal()).isEqualTo(EalConfig.DEFAULT);
        assertThat(c.mempool()).isEqualTo(MempoolConfig.DEFAULT);
        assertThat(c.ports().getFirst()).isEqualTo(new PortConfig("replay0", "net_null0", "", 1, 1024, 1024, true, 0, io.cpumapd.config.PortTapConfig.NONE));
        assertThat(c.ports().getFirst().vdevArg()).isEqualTo("net_null0");
        assertThat(c.rxWorkers().getFirst().name()).isEqualTo("rx0");
        assertThat(c.rxWorkers().getFirst().idle()).as("not set: follows consumer.idle").isNull();
        assertThat(c.cpumap().entries()).isEmpty();
        assertThat(c.consumer()).isEqualTo(ConsumerConfig.DEFAULT);
        assertThat(c.tap()).isEqualTo(TapConfig.DEFAULT);
        assertThat(c.metrics()).isEqualTo(MetricsConfig.DEFAULT);
        assertThat(c.control()).isEqualTo(ControlConfig.DEFAULT);
        assertThat(c.daemon()).isEqualTo(DaemonConfig.DEFAULT);
    }

    @Test
    void anRxWorkerIdlesAsItsOwnSettingSays() {
        Config c = ConfigLoader.parse(MINIMAL.replace("queue: 0}]\n", "queue: 0}]\n    idle: busy-spin\n")
                + "consumer: {idle: backoff}\n", dir);

        assertThat(c.rxWorkers().getFirst().idle()).isEqualTo("busy-spin");
        assertThat(c.consumer().idle()).isEqualTo("backoff");
        assertThat(ConfigLoader.parse(c.toYaml(), dir).rxWorkers()).isEqualTo(c.rxWorkers());
    }

    @Test
    void relativePathsResolveAgainstTheFilesDirectory() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("etc"));
        Files.write(conf.resolve("in.pcap"), new byte[24]);
        Files.createDirectories(conf.resolve("plugins"));
        Files.createDirectories(conf.resolve("rules"));
        Path file = conf.resolve("cpumapd.yaml");
        Files.writeString(file, MINIMAL.replace("device: net_null0", """
                device: net_pcap0
                    args: "rx_pcap=in.pcap,tx_pcap=../out.pcap,rx_iface=lo"
                """.strip()).replace("name: l4-hash", "name: l4-hash\n  plugin_dir: plugins\n  rules_dir: rules"));

        Config c = ConfigLoader.load(file);

        assertThat(c.ports().getFirst().args()).isEqualTo("rx_pcap=" + conf.resolve("in.pcap") + ",tx_pcap="
                + dir.resolve("out.pcap") + ",rx_iface=lo");
        assertThat(c.filter().pluginDir()).isEqualTo(conf.resolve("plugins"));
        assertThat(c.filter().rulesDir()).isEqualTo(conf.resolve("rules"));
    }

    @Test
    void ruleFilesInParametersResolveAgainstTheFilesDirectoryNotTheWorkingDirectory() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(conf.resolve("entry"));
        Files.writeString(conf.resolve("blocklist.rules"), "drop dst=198.18.0.1/32\n");
        Files.writeString(conf.resolve("entry/second.rules"), "pass dst=198.18.0.2/32\n");
        Path absolute = Files.writeString(dir.resolve("abs.rules"), "drop\n");
        Path file = conf.resolve("cpumapd.yaml");
        Files.writeString(file, MINIMAL.replace("name: l4-hash", "name: acl\n  params: {rules: blocklist.rules,"
                + " then.rules: ../abs.rules, mode: ../not-a-file}")
                .replace("max_entries: 1", "max_entries: 2\n  entries:\n    - {cpu: 0, qsize: 64, program: acl,"
                        + " params: {rules: entry/second.rules, default: drop}}\n    - {cpu: 1, qsize: 64,"
                        + " program: acl, params: {rules: " + absolute + ", other.rules: \"\"}}"));

        Config c = ConfigLoader.load(file, false);

        assertThat(c.filter().params()).containsExactly(Map.entry("rules", conf.resolve("blocklist.rules").toString()),
                Map.entry("then.rules", absolute.toString()), Map.entry("mode", "../not-a-file"));
        assertThat(c.cpumap().entries().get(0).params()).containsExactly(
                Map.entry("rules", conf.resolve("entry/second.rules").toString()), Map.entry("default", "drop"));
        assertThat(c.cpumap().entries().get(1).params()).as("absolute and empty values stay as written")
                .containsExactly(Map.entry("rules", absolute.toString()), Map.entry("other.rules", ""));
        // The files are read from there, whatever the working directory (this test's is the checkout).
        assertThat(Files.exists(Path.of("blocklist.rules"))).isFalse();
        assertThat(io.cpumapd.filter.Programs.create("acl", c.cpumap().entries().get(0).params())).isNotNull();
        assertThat(io.cpumapd.filter.Programs.create("acl", Map.of("rules", c.filter().params().get("rules"))))
                .isNotNull();
        // And the configuration written back reads the same.
        assertThat(ConfigLoader.parse(c.toYaml(), dir.resolve("elsewhere"), false).filter().params())
                .isEqualTo(c.filter().params());
    }

    @Test
    void parameterScalarsBecomeStrings() {
        Config c = ConfigLoader.parse(MINIMAL.replace("name: l4-hash", "name: l4-hash\n  params: {seed: 7, ipv6: true,"
                + " mode: fast, ratio: 0.5}"), dir);

        assertThat(c.filter().params()).containsExactly(Map.entry("seed", "7"), Map.entry("ipv6", "true"),
                Map.entry("mode", "fast"), Map.entry("ratio", "0.5"));
    }

    @Test
    void pciPortIsProbedWithAllowList() {
        Config c = ConfigLoader.parse(MINIMAL.replace("device: net_null0", "device: \"0000:01:00.0\"\n    args: \"a=1\"")
                .replace("max_entries: 1", "max_entries: 1\neal: {args: [-m, \"512\"]}"), dir, false);

        PortConfig port = c.ports().getFirst();
        assertThat(port.isPci()).isTrue();
        assertThat(port.vdevArg()).isNull();
        assertThat(port.ealDeviceArgs()).containsExactly("-a", "0000:01:00.0,a=1");
    }

    @Test
    void anEntrysGroIsOnUnlessSetOff() {
        String two = MINIMAL.replace("max_entries: 1", "max_entries: 2\n  entries: [{cpu: 0, qsize: 64, gro: false}]");
        Config c = ConfigLoader.parse(two, dir);
        assertThat(c.cpumap().entries()).containsExactly(new CpuMapEntryConfig(0, 64, "pass", Map.of(), false));
        assertThat(ConfigLoader.parse(c.toYaml(), dir).cpumap().entries().getFirst().gro()).isFalse();
        Config on = ConfigLoader.parse(MINIMAL.replace("max_entries: 1", "max_entries: 2\n  entries: [{cpu: 0, qsize: 64}]"),
                dir);
        assertThat(on.cpumap().entries().getFirst().gro()).isTrue();
        assertThatThrownBy(() -> ConfigLoader.parse(two.replace("gro: false", "gro: maybe"), dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gro");
    }

    @Test
    void printedConfigReadsBackToTheSameConfig() {
        Config c = ConfigLoader.loadDefault();
        String yaml = c.toYaml();

        assertThat(yaml).contains("rx_workers:", "max_entries: 2", "mode: \"0600\"", "vnet_hdr: true",
                "socket: \"/run/cpumapd/cpumapd.sock\"", "name: \"replay0\"").doesNotContain("rxWorkers", "isPci", "pci:", "vdev_arg");
        assertThat(ConfigLoader.parse(yaml, Path.of("/"))).isEqualTo(c);
    }

    @Test
    void examplesParseWhenTheMachineIsNotChecked() {
        Config nic = ConfigLoader.load(Path.of("config/examples/nic-vfio.yaml"), false);
        assertThat(nic.ports().getFirst().isPci()).isTrue();
        assertThat(nic.ports().getFirst().rxQueues()).isEqualTo(4);
        assertThat(nic.rxWorkers()).hasSize(2);
        assertThat(nic.tap().effectiveQueues(nic)).isEqualTo(10);
        assertThat(nic.ealArgs()).contains("-a", "0000:01:00.0").doesNotContain("--no-pci", "--no-huge");
        assertThat(ConfigLoader.parse(nic.toYaml(), Path.of("/"), false)).isEqualTo(nic);

        Config veth = ConfigLoader.load(Path.of("config/examples/veth-af-xdp.yaml"), false);
        assertThat(veth.ports().getFirst().vdevArg()).isEqualTo("net_af_xdp0,iface=veth0,start_queue=0,queue_count=1,busy_budget=0");
        assertThat(veth.rxWorkers().getFirst().idle()).isNull(); // as consumer.idle: backoff
        assertThat(veth.consumer().idle()).isEqualTo("backoff");
        assertThat(ConfigLoader.parse(veth.toYaml(), Path.of("/"), false)).isEqualTo(veth);

        Config jumbo = ConfigLoader.load(Path.of("config/examples/veth-pcap-jumbo.yaml"), false);
        assertThat(jumbo.ports().getFirst().vdevArg()).isEqualTo("net_pcap0,iface=veth0");
        assertThat(jumbo.mtu(0)).isEqualTo(9000);
        assertThat(jumbo.mempool().dataRoom()).isEqualTo(2176);
        assertThat(ConfigLoader.parse(jumbo.toYaml(), Path.of("/"), false)).isEqualTo(jumbo);
    }

    @Test
    void afPacketAlternativeInTheVethExampleParsesToo() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("config/examples/veth-af-xdp.yaml"));
        // drop the AF_XDP port, uncomment the AF_PACKET one
        int from = lines.indexOf("  - name: veth0");
        int to = lines.indexOf(lines.stream().filter(l -> l.startsWith("  # The same veth")).findFirst().orElseThrow());
        List<String> alt = new java.util.ArrayList<>(lines.subList(0, from));
        for (String l : lines.subList(to, lines.size())) {
            alt.add(l.startsWith("  # - ") || l.startsWith("  #   ") ? "  " + l.substring(4) : l);
        }
        String text = String.join("\n", alt);
        Config c = ConfigLoader.parse(text, dir, false);

        assertThat(c.ports()).hasSize(1);
        assertThat(c.ports().getFirst().vdevArg())
                .isEqualTo("net_af_packet0,iface=veth0,qpairs=1,blocksz=4096,framesz=2048,framecnt=512");
    }
}
