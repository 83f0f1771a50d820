package io.cpumapd.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host and its clients for two-way tests: a "host" network namespace where cpumapd runs (its
 * TAPs, and the host's servers, live there, as in the root namespace of a real machine), and per
 * port a veth pair whose host end cpumapd takes through net_af_xdp (or net_pcap's live capture,
 * see {@link #captureOnly}) and whose other end sits in a client namespace with 198.18.N.2/24 and
 * 2001:db8:0:N+1::2/64. Everything is named after a random tag and deleted by {@link #close()},
 * also when a test fails.
 */
public final class TwoWayLab implements AutoCloseable {
    private static final Pattern NFT_COUNTER = Pattern.compile("counter packets (\\d+)");
    private final String tag = Integer.toHexString(0x10000 + ThreadLocalRandom.current().nextInt(0xF0000));
    /** Starts every name: a session's own prefix keeps its links and namespaces apart from others'. */
    private final String prefix;
    private final NetNamespace host;
    private final List<NetNamespace> clients = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private DaemonProcess daemon;

    private TwoWayLab(int ports, String prefix) {
        this.prefix = prefix;
        host = NetNamespace.create(prefix + "h");
        try {
            host.exec("ip", "link", "set", "lo", "up");
            // The TAP's IPv6 addresses are usable at once; neighbour discovery itself still runs.
            host.exec("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            for (int i = 0; i < ports; i++) {
                NetNamespace c = NetNamespace.create(prefix + "c" + i);
                clients.add(c);
                // No router solicitations: the clients stay quiet unless a test makes them talk.
                c.exec("sysctl", "-qw", "net.ipv6.conf.default.router_solicitations=0");
                host.exec("ip", "link", "add", hostLink(i), "type", "veth", "peer", "name", clientLink(i), "netns",
                        c.name());
                host.exec("ip", "link", "set", hostLink(i), "up");
                c.exec("ip", "link", "set", "lo", "up");
                c.exec("ip", "link", "set", clientLink(i), "up");
                c.exec("ip", "addr", "add", clientIpv4(i) + "/24", "dev", clientLink(i));
                c.exec("ip", "-6", "addr", "add", clientIpv6(i) + "/64", "dev", clientLink(i), "nodad");
                // A veth hands locally made frames over with partial checksums, which AF_XDP passes on
                // unfinished: the client sums its own, as a host behind a real wire does.
                c.exec("ethtool", "-K", clientLink(i), "tx", "off");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static TwoWayLab create(int ports) {
        return new TwoWayLab(ports, "c14");
    }

    /** As {@link #create(int)}, every name starting with {@code prefix} (at most 4 characters). */
    public static TwoWayLab create(int ports, String prefix) {
        if (prefix.length() > 4) {
            throw new IllegalArgumentException("prefix longer than 4 characters: " + prefix);
        }
        return new TwoWayLab(ports, prefix);
    }

    public String hostLink(int i) {
        return prefix + "a" + tag + i;
    }

    public String clientLink(int i) {
        return prefix + "b" + tag + i;
    }

    public String tapName(int i) {
        return prefix + "t" + tag + i;
    }

    public static String tapIpv4(int i) {
        return "198.18." + i + ".1";
    }

    public static String clientIpv4(int i) {
        return "198.18." + i + ".2";
    }

    public static String tapIpv6(int i) {
        return "2001:db8:0:" + (i + 1) + "::1";
    }

    public static String clientIpv6(int i) {
        return "2001:db8:0:" + (i + 1) + "::2";
    }

    public NetNamespace host() {
        return host;
    }

    public NetNamespace client(int i) {
        return clients.get(i);
    }

    /** The YAML of a port on veth {@code i}'s host end through net_af_xdp, with its own TAP section. */
    public String port(int i) {
        return """
                  - name: veth%d
                    device: net_af_xdp%d
                    args: "iface=%s,start_queue=0,queue_count=1"
                    tap: {name: %s, address: %s/24, address6: %s/64}
                """.formatted(i, i, hostLink(i), tapName(i), tapIpv4(i), tapIpv6(i));
    }

    /**
     * A daemon config over the first {@code ports} veths: one RX worker on cpu 0 polling them all,
     * l4-hash over entries on cpus 0 and 1, no metrics, the control socket at {@code socket}.
     */
    public String yaml(Path socket, int ports) {
        StringBuilder portYaml = new StringBuilder();
        StringBuilder queues = new StringBuilder();
        for (int i = 0; i < ports; i++) {
            portYaml.append(port(i));
            queues.append(i == 0 ? "" : ", ").append("{port: veth").append(i).append(", queue: 0}");
        }
        return """
                eal:
                  args: [--no-huge, -m, "512", --no-pci, --no-telemetry]
                ports:
                %s
                rx_workers:
                  - {name: rx0, core: 0, queues: [%s]}
                filter: {name: l4-hash}
                cpumap:
                  max_entries: 2
                  entries: [{cpu: 0, qsize: 1024}, {cpu: 1, qsize: 1024}]
                metrics: {enabled: false}
                control: {socket: %s}
                """.formatted(portYaml, queues, socket);
    }

    /**
     * Makes veth {@code i}'s host end cpumapd's alone, as a NIC bound to DPDK is, for a port that
     * captures it through net_pcap ({@code iface=}): no IPv6 on it (no address, nothing the kernel
     * sends that the capture would take for a received frame), an nftables ingress hook that drops
     * and counts every frame after packet captures got it (see {@link #hostDropped}), MTU
     * {@code mtu} on both ends, and a client that sends real frames of at most that MTU (no TSO,
     * no GSO), as config/examples/veth-pcap-jumbo.yaml says.
     */
    public void captureOnly(int i, int mtu) {
        host.exec("sysctl", "-qw", "net.ipv6.conf." + hostLink(i) + ".disable_ipv6=1");
        host.exec("ip", "link", "set", hostLink(i), "mtu", Integer.toString(mtu));
        if (i == 0) {
            host.exec("nft", "add", "table", "netdev", "cpumapd");
        }
        host.exec("nft", "add", "chain", "netdev", "cpumapd", hostLink(i),
                "{ type filter hook ingress device \"" + hostLink(i) + "\" priority 0; }");
        host.exec("nft", "add", "rule", "netdev", "cpumapd", hostLink(i), "counter", "drop");
        client(i).exec("ip", "link", "set", clientLink(i), "mtu", Integer.toString(mtu));
        client(i).exec("ethtool", "-K", clientLink(i), "tso", "off", "gso", "off");
    }

    /** Frames that arrived on veth {@code i}'s host end and that the host's stack never saw (after {@link #captureOnly}). */
    public long hostDropped(int i) {
        String chain = host.exec("nft", "list", "chain", "netdev", "cpumapd", hostLink(i));
        Matcher m = NFT_COUNTER.matcher(chain);
        if (!m.find()) {
            throw new AssertionError("no counter in " + chain);
        }
        return Long.parseLong(m.group(1));
    }

    /** Starts cpumapd in the host namespace with {@code yaml} and waits until it is ready. */
    public DaemonProcess start(Path dir, String yaml) throws Exception {
        Path config = dir.resolve("cpumapd.yaml");
        Files.writeString(config, yaml);
        Path socket = dir.resolve("cpumapd.sock");
        daemon = DaemonProcess.startIn(host.name(), config, socket, dir.resolve("cpumapd.log"));
        daemon.awaitLog("ready (pid", 60_000);
        return daemon;
    }

    /** A python http.server in {@code ns} on {@code address}:{@code port} serving {@code dir}; waits until it answers. */
    public void httpServer(NetNamespace ns, String address, int port, Path dir) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns.name(), "/usr/bin/python3", "-m", "http.server",
                Integer.toString(port), "--bind", address, "--directory", dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        servers.add(p);
        String url = "http://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port + "/";
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            if (Cmd.run("ip", "netns", "exec", ns.name(), "curl", "-s", "-m", "1", "-o", "/dev/null", url).exitCode() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("http.server in " + ns + " did not answer on " + url);
    }

    /** curl in {@code ns} (null: the host namespace) fetching {@code url} into {@code out}; the exit code. */
    public int curl(NetNamespace ns, String url, Path out, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", (ns == null ? host : ns).name(), "curl",
                "-s", "-m", "60", "-o", out.toString()));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        return Cmd.run(Duration.ofSeconds(90), cmd).exitCode();
    }

    /** {@code size} random bytes in {@code file}. */
    public static void randomFile(Path file, int size) throws IOException {
        byte[] b = new byte[size];
        ThreadLocalRandom.current().nextBytes(b);
        Files.write(file, b);
    }

    public static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A counter of {@code ip -s link}'s JSON for {@code link} in the host namespace, e.g. tx "dropped". */
    public long linkStat(String link, String direction, String field) {
        String json = host.exec("ip", "-j", "-s", "link", "show", link);
        int at = json.indexOf("\"" + direction + "\":{");
        int f = json.indexOf("\"" + field + "\":", at);
        int end = f + field.length() + 3;
        int stop = end;
        while (stop < json.length() && Character.isDigit(json.charAt(stop))) {
            stop++;
        }
        return Long.parseLong(json.substring(end, stop));
    }

    @Override
    public void close() {
        for (Process p : servers) {
            p.destroy();
        }
        if (daemon != null) {
            try {
                daemon.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clients.forEach(NetNamespace::close);
        host.close();
    }
}
