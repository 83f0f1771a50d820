package io.cpumapd.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DPDK port: a PCI NIC bound to vfio-pci, or a virtual device. Relative {@code *_pcap} paths in
 * {@link #args()} are already resolved against the configuration file's directory.
 */
public record PortConfig(String name, String device, String args, int rxQueues, int rxDescriptors,
        int txDescriptors, boolean promiscuous, int mtu, PortTapConfig tap) {
    public static final int MAX_RX_QUEUES = 64;
    public static final int DEFAULT_DESCRIPTORS = 1024;
    static final List<String> KEYS = List.of("name", "device", "args", "rx_queues", "rx_descriptors",
            "tx_descriptors", "promiscuous", "mtu", "tap");

    static PortConfig read(YamlNode n, Path baseDir) {
        String name = n.requiredString("name");
        if (!Syntax.NAME.matcher(name).matches()) {
            throw new ConfigException(n.path("name"), YamlNode.quote(name) + " is not a valid name ([a-z0-9_-]{1,32})");
        }
        String device = n.requiredString("device");
        if (!Syntax.PCI_ADDRESS.matcher(device).matches() && !Syntax.VDEV.matcher(device).matches()) {
            throw new ConfigException(n.path("device"), YamlNode.quote(device) + " is neither a PCI address (DDDD:BB:DD.F)"
                    + " nor a virtual device (net_pcapN, net_nullN, net_ringN, net_af_packetN, net_af_xdpN, net_tapN)");
        }
        String args = resolvePaths(n.string("args", ""), baseDir, n.path("args"));
        int rxQueues = n.integer("rx_queues", 1, 1, MAX_RX_QUEUES);
        int rxDescriptors = descriptors(n, "rx_descriptors");
        int txDescriptors = descriptors(n, "tx_descriptors");
        int mtu = n.integer("mtu", 0, 0, 65535);
        if (mtu != 0 && mtu < 68) {
            throw new ConfigException(n.path("mtu"), mtu + " is below 68, the least MTU IPv4 allows (0: tap.mtu)");
        }
        PortTapConfig tap = n.has("tap") ? PortTapConfig.read(n.mapping("tap", PortTapConfig.KEYS)) : PortTapConfig.NONE;
        return new PortConfig(name, device, args, rxQueues, rxDescriptors, txDescriptors, n.bool("promiscuous", true),
                mtu, tap);
    }

    /** A PCI device (the EAL probes it with {@code -a}); otherwise a virtual device. */
    @JsonIgnore
    public boolean isPci() {
        return Syntax.PCI_ADDRESS.matcher(device).matches();
    }

    /** The EAL {@code --vdev} value, e.g. {@code net_pcap0,rx_pcap=/etc/cpumapd/x.pcap}; null for a PCI device. */
    public String vdevArg() {
        if (isPci()) {
            return null;
        }
        return args.isEmpty() ? device : device + "," + args;
    }

    /** The EAL arguments that make this port exist: {@code --vdev=...} or {@code -a DDDD:BB:DD.F[,args]}. */
    public List<String> ealDeviceArgs() {
        if (isPci()) {
            return List.of("-a", args.isEmpty() ? device : device + "," + args);
        }
        return List.of("--vdev=" + vdevArg());
    }

    /** The devargs as key → value, in order (a key given twice, as net_pcap allows, keeps the last). */
    public Map<String, String> argMap() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : splitArgs(args)) {
            int eq = kv.indexOf('=');
            out.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        return out;
    }

    /** Every value of {@code key} in the devargs (net_pcap takes one rx_pcap per queue). */
    public List<String> argValues(String key) {
        List<String> out = new ArrayList<>();
        for (String kv : splitArgs(args)) {
            if (kv.startsWith(key + "=")) {
                out.add(kv.substring(key.length() + 1));
            }
        }
        return out;
    }

    private static int descriptors(YamlNode n, String key) {
        int v = n.integer(key, DEFAULT_DESCRIPTORS, 64, 16384);
        if (!Syntax.isPowerOfTwo(v)) {
            throw new ConfigException(n.path(key), v + " is not a power of two");
        }
        return v;
    }

    private static List<String> splitArgs(String args) {
        List<String> out = new ArrayList<>();
        for (String kv : args.split(",")) {
            if (!kv.isBlank()) {
                out.add(kv.strip());
            }
        }
        return out;
    }

    /** Makes the value of every {@code *_pcap} key absolute, relative to {@code baseDir}. */
    private static String resolvePaths(String args, Path baseDir, String path) {
        List<String> out = new ArrayList<>();
        for (String kv : splitArgs(args)) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(path, YamlNode.quote(kv) + " is not key=value");
            }
            String key = kv.substring(0, eq);
            String value = kv.substring(eq + 1);
            if (key.endsWith("_pcap") && !value.isEmpty() && !Path.of(value).isAbsolute()) {
                value = baseDir.resolve(value).toAbsolutePath().normalize().toString();
            }
            out.add(key + "=" + value);
        }
        return String.join(",", out);
    }
}
