package io.cpumapd.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Broken configurations, each with the exact message a user reads. */
class ConfigErrorsTest {
    private static final String PORT = """
            ports:
              - name: replay0
                device: net_null0
            """;
    private static final String WORKER = """
            rx_workers:
              - core: 0
                queues: [{port: replay0, queue: 0}]
            """;
    private static final String FILTER = """
            filter:
              name: l4-hash
            """;
    private static final String CPUMAP = """
            cpumap:
              max_entries: 1
            """;
    /** The smallest valid configuration; cases append a section that replaces a default. */
    private static final String BASE = PORT + WORKER + FILTER + CPUMAP;

    @TempDir
    Path dir;

    static Stream<Arguments> brokenWithoutMachineChecks() {
        return Stream.of(
                arguments("unknown key in a section", BASE + "metrics: {enabled: true, prot: 9477}\n",
                        "metrics.prot", "metrics.prot: unknown key (known: enabled, bind, port)"),
                arguments("unknown key three levels down", PORT + """
                        rx_workers:
                          - core: 0
                            queues: [{port: replay0, qeue: 0}]
                        """ + FILTER + CPUMAP,
                        "rx_workers[0].queues[0].qeue", "rx_workers[0].queues[0].qeue: unknown key (known: port, queue)"),
                arguments("unknown top-level key", BASE + "prots: {}\n", "prots",
                        "prots: unknown key (known: eal, mempool, ports, rx_workers, filter, cpumap, consumer, tap,"
                                + " metrics, control, daemon)"),
                arguments("a word for an integer", """
                        ports:
                          - {name: replay0, device: net_null0, rx_queues: two}
                        """ + WORKER + FILTER + CPUMAP,
                        "ports[0].rx_queues", "ports[0].rx_queues: expected an integer, got \"two\""),
                arguments("a quoted number is a string, not an integer", """
                        ports:
                          - {name: replay0, device: net_null0, rx_queues: "1"}
                        """ + WORKER + FILTER + CPUMAP,
                        "ports[0].rx_queues", "ports[0].rx_queues: expected an integer, got \"1\""),
                arguments("a number for a string", BASE + "tap: {name: 7}\n", "tap.name",
                        "tap.name: expected a string, got 7"),
                arguments("a mapping for a list", """
                        ports: {name: replay0, device: net_null0}
                        """ + WORKER + FILTER + CPUMAP, "ports", "ports: expected a list, got a mapping"),
                arguments("missing required key", """
                        ports:
                          - name: replay0
                        """ + WORKER + FILTER + CPUMAP,
                        "ports[0].device", "ports[0].device: missing required key (expected a string)"),
                arguments("missing required section", PORT + WORKER + CPUMAP, "filter",
                        "filter: missing required key (expected a mapping)"),
                arguments("null for a required value", PORT + WORKER + "filter: {name: null}\n" + CPUMAP, "filter.name",
                        "filter.name: expected a string, got null"),
                arguments("null for a value with a default", BASE + "consumer: {batch: null}\n", "consumer.batch",
                        "consumer.batch: expected an integer, got null"),
                arguments("no port", "ports: []\n" + WORKER + FILTER + CPUMAP, "ports",
                        "ports: at least one port is required"),
                arguments("qsize above the kernel's limit", PORT + WORKER + FILTER + """
                        cpumap:
                          max_entries: 2
                          entries:
                            - {cpu: 0, qsize: 2048}
                            - {cpu: 1, qsize: 20000}
                        """, "cpumap.entries[1].qsize", "cpumap.entries[1].qsize: 20000 is out of range 1..16384"),
                arguments("qsize 0 (delete) in a config", PORT + WORKER + FILTER + """
                        cpumap:
                          max_entries: 1
                          entries: [{cpu: 0, qsize: 0}]
                        """, "cpumap.entries[0].qsize", "cpumap.entries[0].qsize: 0 is out of range 1..16384"),
                arguments("two workers poll one queue", PORT + """
                        rx_workers:
                          - {core: 0, queues: [{port: replay0, queue: 0}]}
                          - {core: 1, queues: [{port: replay0, queue: 0}]}
                        """ + FILTER + CPUMAP, "rx_workers[1].queues[0]",
                        "rx_workers[1].queues[0]: queue 0 of port replay0 is already polled by rx_workers[0] (rx0)"),
                arguments("a queue nobody polls", """
                        ports:
                          - {name: replay0, device: net_null0, rx_queues: 2}
                        """ + WORKER + FILTER + CPUMAP, "rx_workers",
                        "rx_workers: queue 1 of port replay0 is polled by no worker (port replay0 has rx_queues 2)"),
                arguments("a worker references an unknown port", PORT + """
                        rx_workers:
                          - {core: 0, queues: [{port: replay1, queue: 0}]}
                        """ + FILTER + CPUMAP, "rx_workers[0].queues[0].port",
                        "rx_workers[0].queues[0].port: unknown port \"replay1\" (ports: replay0)"),
                arguments("queue >= rx_queues", PORT + """
                        rx_workers:
                          - {core: 0, queues: [{port: replay0, queue: 0}, {port: replay0, queue: 1}]}
                        """ + FILTER + CPUMAP, "rx_workers[0].queues[1].queue",
                        "rx_workers[0].queues[1].queue: 1 is out of range: port replay0 has 1 rx queue(s) (0..0)"),
                arguments("two workers on one core", """
                        ports:
                          - {name: replay0, device: net_null0, rx_queues: 2}
                        rx_workers:
                          - {core: 0, queues: [{port: replay0, queue: 0}]}
                          - {name: second, core: 0, queues: [{port: replay0, queue: 1}]}
                        """ + FILTER + CPUMAP, "rx_workers[1].core",
                        "rx_workers[1].core: core 0 already runs rx_workers[0] (rx0); each RX worker needs a core of its own"),
                arguments("entry cpu >= max_entries", PORT + WORKER + FILTER + """
                        cpumap:
                          max_entries: 1
                          entries: [{cpu: 1, qsize: 64}]
                        """, "cpumap.entries[0].cpu", "cpumap.entries[0].cpu: 1 is out of range 0..0 (max_entries is 1)"),
                arguments("two entries for one cpu", PORT + WORKER + FILTER + """
                        cpumap:
                          max_entries: 2
                          entries: [{cpu: 0, qsize: 64}, {cpu: 0, qsize: 128}]
                        """, "cpumap.entries[1].cpu",
                        "cpumap.entries[1].cpu: CPU 0 already has an entry (cpumap.entries[0])"),
                arguments("unknown idle strategy", BASE + "consumer: {idle: spin}\n", "consumer.idle",
                        "consumer.idle: unknown idle strategy 'spin': use busy-spin or backoff"),
                arguments("unknown RX idle strategy", PORT + """
                        rx_workers:
                          - {core: 0, queues: [{port: replay0, queue: 0}], idle: yield}
                        """ + FILTER + CPUMAP, "rx_workers[0].idle",
                        "rx_workers[0].idle: unknown idle strategy 'yield': use busy-spin or backoff"),
                arguments("TAP name longer than IFNAMSIZ", BASE + "tap: {name: cpumapd-tap-device0}\n", "tap.name",
                        "tap.name: \"cpumapd-tap-device0\" is not a valid interface name (1..15 characters of A-Z a-z 0-9 _ . -)"),
                arguments("TAP name with a slash", BASE + "tap: {name: tap/0}\n", "tap.name",
                        "tap.name: \"tap/0\" is not a valid interface name (1..15 characters of A-Z a-z 0-9 _ . -)"),
                arguments("address without prefix length", BASE + "tap: {address: 198.18.0.1}\n", "tap.address",
                        "tap.address: \"198.18.0.1\" is not an IPv4 address with a prefix length (e.g. 198.18.0.1/24)"),
                arguments("address with an octet above 255", BASE + "tap: {address: 198.18.0.256/24}\n", "tap.address",
                        "tap.address: \"198.18.0.256/24\" is not an IPv4 address with a prefix length (e.g. 198.18.0.1/24)"),
                arguments("multicast MAC", BASE + "tap: {mac: \"01:00:5e:00:00:01\"}\n", "tap.mac",
                        "tap.mac: \"01:00:5e:00:00:01\" is a multicast address (the lowest bit of the first octet is set)"),
                arguments("TAP queues fewer than needed", BASE + "tap: {queues: 1}\n", "tap.queues",
                        "tap.queues: 1 is fewer than the 2 cpumapd needs (1 rx worker(s) + cpumap.max_entries 1)"),
                arguments("mode other than 0600 / 0660", BASE + "control: {mode: \"0644\"}\n", "control.mode",
                        "control.mode: \"0644\" is not allowed (use \"0600\" or \"0660\")"),
                arguments("unquoted mode (YAML reads octal)", BASE + "control: {mode: 0600}\n", "control.mode",
                        "control.mode: expected a quoted octal string such as \"0600\", got the number 384 (quote the mode)"),
                arguments("relative socket path", BASE + "control: {socket: run/cpumapd.sock}\n", "control.socket",
                        "control.socket: \"run/cpumapd.sock\" is not an absolute path"),
                arguments("socket path longer than sun_path", BASE + "control: {socket: /run/" + "s".repeat(120) + "}\n",
                        "control.socket", "control.socket: the path is 125 bytes long, a unix socket path may have 107"),
                arguments("unknown log level", BASE + "daemon: {log_level: verbose}\n", "daemon.log_level",
                        "daemon.log_level: \"verbose\" is not a log level (use error, warning, info, debug)"),
                arguments("stall time too short", BASE + "daemon: {stall_after_ms: 10}\n", "daemon.stall_after_ms",
                        "daemon.stall_after_ms: 10 is out of range 100..600000"),
                arguments("stop timeout of 0", BASE + "daemon: {stop_timeout_seconds: 0}\n",
                        "daemon.stop_timeout_seconds", "daemon.stop_timeout_seconds: 0 is out of range 1..3600"),
                arguments("unknown daemon key", BASE + "daemon: {log: debug}\n", "daemon.log",
                        "daemon.log: unknown key (known: log_level, stall_after_ms, stop_timeout_seconds)"),
                arguments("bind is a host name", BASE + "metrics: {bind: localhost}\n", "metrics.bind",
                        "metrics.bind: \"localhost\" is not an IP address literal (e.g. 127.0.0.1, 0.0.0.0, ::1)"),
                arguments("descriptors not a power of two", """
                        ports:
                          - {name: replay0, device: net_null0, rx_descriptors: 1000}
                        """ + WORKER + FILTER + CPUMAP, "ports[0].rx_descriptors",
                        "ports[0].rx_descriptors: 1000 is not a power of two"),
                arguments("unknown device kind", """
                        ports:
                          - {name: replay0, device: eth0}
                        """ + WORKER + FILTER + CPUMAP, "ports[0].device",
                        "ports[0].device: \"eth0\" is neither a PCI address (DDDD:BB:DD.F) nor a virtual device"
                                + " (net_pcapN, net_nullN, net_ringN, net_af_packetN, net_af_xdpN, net_tapN)"),
                arguments("PCI port with --no-pci", """
                        eal: {args: [--no-huge, --no-pci]}
                        ports:
                          - {name: replay0, device: "0000:01:00.0"}
                        """ + WORKER + FILTER + CPUMAP, "ports[0].device",
                        "ports[0].device: PCI device 0000:01:00.0 cannot be probed: eal.args contains --no-pci"),
                arguments("EAL argument cpumapd sets itself", "eal: {args: [--no-huge, -l, \"0-1\"]}\n" + BASE,
                        "eal.args[1]", "eal.args[1]: \"-l\" is set by cpumapd from rx_workers and ports; remove it"),
                arguments("a mempool too small for the configuration", PORT + WORKER + FILTER + """
                        cpumap:
                          max_entries: 1
                          entries: [{cpu: 0, qsize: 512}]
                        mempool: {mbufs: 1023, cache: 256}
                        """, "mempool.mbufs", "mempool.mbufs: 1023 mbufs cannot back this configuration (2336 needed:"
                        + " per-lcore caches 768 + RX descriptors 1024 + ring slots 512 + RX bursts 32); raise"
                        + " mempool.mbufs or lower the cache, descriptors or qsizes"),
                arguments("mempool cache above DPDK's limit", BASE + "mempool: {mbufs: 1023, cache: 1024}\n",
                        "mempool.cache", "mempool.cache: 1024 is out of range 0..512"),
                arguments("unquoted PCI address", """
                        ports:
                          - {name: replay0, device: 0000:01:00.0}
                        """ + WORKER + FILTER + CPUMAP, "ports[0].device",
                        "ports[0].device: \"0000:01:00.0\" must be quoted (YAML reads it as a malformed number)"
                                + " (line 2, column 41)"),
                arguments("a list as a parameter value", PORT + WORKER + """
                        filter:
                          name: l4-hash
                          params: {rate: [1, 2]}
                        """ + CPUMAP, "filter.params.rate", "filter.params.rate: expected a scalar value, got a list"),
                arguments("duplicate port name", """
                        ports:
                          - {name: replay0, device: net_null0}
                          - {name: replay0, device: net_null1}
                        """ + WORKER + FILTER + CPUMAP, "ports[1].name",
                        "ports[1].name: \"replay0\" is already the name of ports[0]"),
                arguments("empty file", "", "", "the configuration is empty"),
                arguments("only comments", "# nothing yet\n", "", "the configuration is empty"),
                arguments("a list at the top", "- ports\n", "",
                        "expected a mapping of sections (eal, ports, ...) at the top level, got a list"),
                arguments("two YAML documents", BASE + "---\n" + BASE, "",
                        "a second YAML document starts (line 12, column 1); a configuration is one document"),
                arguments("duplicate key", """
                        ports:
                          - name: replay0
                            name: replay1
                            device: net_null0
                        """ + WORKER + FILTER + CPUMAP, "ports[0].name", "ports[0].name: duplicate key (line 3, column 9)"),
                arguments("duplicate section", BASE + CPUMAP, "cpumap", "cpumap: duplicate key (line 11, column 7)"),
                arguments("YAML syntax error", BASE + "tap: {name: [cpumapd0}\n", "tap.name[0]",
                        "tap.name[0]: while parsing a flow sequence: expected ',' or ']', but got } (line 11, column 22)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenWithoutMachineChecks")
    void refusedWithPathAndReason(String what, String yaml, String path, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, dir, false))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.path()).isEqualTo(path);
                });
    }

    @Test
    void coreThatIsNotOnline() {
        int missing = Cpus.online().length();
        String yaml = PORT + "rx_workers:\n  - {core: " + missing + ", queues: [{port: replay0, queue: 0}]}\n" + FILTER
                + CPUMAP;
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("rx_workers[0].core: CPU " + missing + " is not online (online: "
                        + ConfigValidator.cpuList(Cpus.online()) + ")");
        // the same file is fine when this machine is not the one it will run on
        assertThat(ConfigLoader.parse(yaml, dir, false).rxWorkers().getFirst().core()).isEqualTo(missing);
    }

    @Test
    void maxEntriesAboveTheCpuCount() {
        int cpus = Cpus.online().length();
        String yaml = PORT + WORKER + FILTER + "cpumap: {max_entries: " + (cpus + 1) + "}\n";
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cpumap.max_entries: " + (cpus + 1) + " is out of range 1.." + cpus
                        + " (the CPUs of this machine)");
    }

    @Test
    void missingRxPcapFile() {
        String yaml = """
                ports:
                  - {name: replay0, device: net_pcap0, args: "rx_pcap=missing.pcap,infinite_rx=1"}
                """ + WORKER + FILTER + CPUMAP;
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("ports[0].args: rx_pcap file " + dir.resolve("missing.pcap") + " does not exist");
    }

    @Test
    void pluginDirThatDoesNotExist() {
        String yaml = PORT + WORKER + "filter: {name: l4-hash, plugin_dir: plugins}\n" + CPUMAP;
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("filter.plugin_dir: " + dir.resolve("plugins") + " does not exist");
    }

    @Test
    void unreadableFileNamesTheFile() {
        Path file = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot read " + file + ": no such file");
    }

    @Test
    void messagesCarryNoJacksonInternals() {
        for (String yaml : new String[] {"a: [1", "a: b: c", "a: 1\na: 2", "x: 1\n---\ny: 2", "\tports: 1"}) {
            assertThatThrownBy(() -> ConfigLoader.parse(yaml, dir, false))
                    .isInstanceOf(ConfigException.class)
                    .message()
                    .doesNotContain("com.fasterxml", "Exception", "JsonToken", "reader", "^", "\n");
        }
    }
}
