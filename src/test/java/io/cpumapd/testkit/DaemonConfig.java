package io.cpumapd.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The YAML of a test daemon: one port polled by one RX worker on CPU 0, {@code max_entries} 2, a
 * TAP, a control socket, metrics on or off. Each test says only what differs.
 */
public final class DaemonConfig {
    private String device = "net_pcap0";
    private String args = "";
    private String filter = "{name: l4-hash}";
    private final List<String> entries = new ArrayList<>();
    private int mbufCache = 64;
    private String tap = "cpmtest0";
    private Path socket;
    private int metricsPort;

    public DaemonConfig(Path socket) {
        this.socket = socket;
    }

    /** A port on {@code device} with its devargs, e.g. {@code net_null0} and {@code size=64,copy=0}. */
    public DaemonConfig port(String device, String args) {
        this.device = device;
        this.args = args;
        return this;
    }

    /** A {@code net_pcap0} port replaying {@code pcap}, in a loop when {@code infinite}. */
    public DaemonConfig replay(Path pcap, boolean infinite) {
        return port("net_pcap0", "rx_pcap=" + pcap + (infinite ? ",infinite_rx=1" : ""));
    }

    /** The filter section as YAML flow (JSON is fine: YAML is its superset). */
    public DaemonConfig filter(String flow) {
        this.filter = flow;
        return this;
    }

    public DaemonConfig entry(int cpu, int qsize, String program) {
        entries.add("{cpu: %d, qsize: %d, program: %s}".formatted(cpu, qsize, program));
        return this;
    }

    public DaemonConfig mbufCache(int cache) {
        this.mbufCache = cache;
        return this;
    }

    public DaemonConfig tap(String name) {
        this.tap = name;
        return this;
    }

    /** Metrics on 127.0.0.1:{@code port}; 0 (the default) turns them off. */
    public DaemonConfig metrics(int port) {
        this.metricsPort = port;
        return this;
    }

    public String yaml() {
        return """
                eal:
                  args: [--no-huge, -m, "512", --no-pci, --no-telemetry, --no-shconf]
                mempool: {mbufs: 8191, cache: %d}
                ports:
                  - name: in0
                    device: %s
                    args: "%s"
                rx_workers:
                  - core: 0
                    queues: [{port: in0, queue: 0}]
                filter: %s
                cpumap:
                  max_entries: 2
                  entries: [%s]
                consumer: {batch: 8, idle: backoff}
                tap: {name: %s, mac: "02:00:00:00:00:02"}
                metrics: %s
                control: {socket: %s}
                """.formatted(mbufCache, device, args, filter, String.join(", ", entries), tap,
                metricsPort == 0 ? "{enabled: false}" : "{enabled: true, bind: 127.0.0.1, port: " + metricsPort + "}",
                socket);
    }
}
