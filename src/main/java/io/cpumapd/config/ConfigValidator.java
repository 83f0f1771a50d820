package io.cpumapd.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks that look across sections (references by name, every queue polled exactly once) and,
 * when a machine is given, at this machine (online CPUs, files). Sections are checked in file order
 * so the first error reported is the first one a reader meets.
 */
final class ConfigValidator {
    private final Config config;
    /** Null when machine checks are off. */
    private final BitSet online;
    /** The CPUs this process may run on (its affinity mask within {@link #online}); null with {@link #online}. */
    private final BitSet usable;

    private ConfigValidator(Config config, BitSet online, BitSet usable) {
        this.config = config;
        this.online = online;
        this.usable = usable;
    }

    /**
     * @param online the machine's online CPUs, or null to skip every check of this machine (CPUs, files)
     * @param usable the CPUs of this process's affinity mask (a container's cpuset, taskset), within online
     */
    static void validate(Config config, BitSet online, BitSet usable) {
        ConfigValidator v = new ConfigValidator(config, online, usable);
        v.ports();
        v.filter();
        v.rxWorkers();
        v.cpumap();
        v.tap();
        v.mempool();
    }

    private void mempool() {
        MempoolBudget budget = MempoolBudget.atStart(config);
        int mbufs = config.mempool().mbufs();
        if (!budget.fits(mbufs)) {
            throw new ConfigException("mempool.mbufs", mbufs + " mbufs cannot back this configuration ("
                    + budget.explain() + "); raise mempool.mbufs or lower the cache, descriptors or qsizes");
        }
    }

    private void ports() {
        List<PortConfig> ports = config.ports();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> devices = new HashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            PortConfig p = ports.get(i);
            String path = "ports[" + i + "]";
            Integer before = names.putIfAbsent(p.name(), i);
            if (before != null) {
                throw new ConfigException(path + ".name", YamlNode.quote(p.name()) + " is already the name of ports["
                        + before + "]");
            }
            before = devices.putIfAbsent(p.device(), i);
            if (before != null) {
                throw new ConfigException(path + ".device", YamlNode.quote(p.device()) + " is already the device of ports["
                        + before + "]");
            }
            if (p.isPci() && config.eal().args().contains("--no-pci")) {
                throw new ConfigException(path + ".device", "PCI device " + p.device()
                        + " cannot be probed: eal.args contains --no-pci");
            }
            if (online != null) {
                for (String file : p.argValues("rx_pcap")) {
                    if (!Files.isRegularFile(Path.of(file))) {
                        throw new ConfigException(path + ".args", "rx_pcap file " + file + " does not exist");
                    }
                }
            }
        }
    }

    private void filter() {
        directory("filter.plugin_dir", config.filter().pluginDir());
        directory("filter.rules_dir", config.filter().rulesDir());
    }

    private void directory(String key, Path dir) {
        if (online != null && dir != null && !Files.isDirectory(dir)) {
            throw new ConfigException(key, dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
    }

    private void rxWorkers() {
        List<RxWorkerConfig> workers = config.rxWorkers();
        Map<String, Integer> names = new HashMap<>();
        Map<Integer, Integer> cores = new HashMap<>();
        Map<QueueRef, Integer> pollers = new HashMap<>();
        for (int w = 0; w < workers.size(); w++) {
            RxWorkerConfig worker = workers.get(w);
            String path = "rx_workers[" + w + "]";
            Integer before = names.putIfAbsent(worker.name(), w);
            if (before != null) {
                throw new ConfigException(path + ".name", YamlNode.quote(worker.name())
                        + " is already the name of rx_workers[" + before + "]");
            }
            checkCpu(path + ".core", worker.core());
            before = cores.putIfAbsent(worker.core(), w);
            if (before != null) {
                throw new ConfigException(path + ".core", "core " + worker.core() + " already runs rx_workers[" + before
                        + "] (" + workers.get(before).name() + "); each RX worker needs a core of its own");
            }
            for (int q = 0; q < worker.queues().size(); q++) {
                QueueRef ref = worker.queues().get(q);
                String qpath = path + ".queues[" + q + "]";
                PortConfig port = config.port(ref.port()).orElseThrow(() -> new ConfigException(qpath + ".port",
                        "unknown port " + YamlNode.quote(ref.port()) + " (ports: "
                                + String.join(", ", config.ports().stream().map(PortConfig::name).toList()) + ")"));
                if (ref.queue() >= port.rxQueues()) {
                    throw new ConfigException(qpath + ".queue", ref.queue() + " is out of range: port " + port.name()
                            + " has " + port.rxQueues() + " rx queue(s) (0.." + (port.rxQueues() - 1) + ")");
                }
                Integer poller = pollers.putIfAbsent(ref, w);
                if (poller != null) {
                    throw new ConfigException(qpath, ref.describe() + " is already polled by rx_workers[" + poller + "] ("
                            + workers.get(poller).name() + ")");
                }
            }
        }
        for (PortConfig port : config.ports()) {
            for (int q = 0; q < port.rxQueues(); q++) {
                QueueRef ref = new QueueRef(port.name(), q);
                if (!pollers.containsKey(ref)) {
                    throw new ConfigException("rx_workers", ref.describe() + " is polled by no worker (port " + port.name()
                            + " has rx_queues " + port.rxQueues() + ")");
                }
            }
        }
    }

    private void cpumap() {
        CpuMapConfig map = config.cpumap();
        if (online != null && map.maxEntries() > online.length()) {
            // the same bound CpuMap applies: key = CPU number, so the highest online CPU + 1
            throw new ConfigException("cpumap.max_entries", map.maxEntries() + " is out of range 1.." + online.length()
                    + " (the CPUs of this machine)");
        }
        Map<Integer, Integer> cpus = new HashMap<>();
        for (int i = 0; i < map.entries().size(); i++) {
            CpuMapEntryConfig e = map.entries().get(i);
            String path = "cpumap.entries[" + i + "].cpu";
            if (e.cpu() >= map.maxEntries()) {
                throw new ConfigException(path, e.cpu() + " is out of range 0.." + (map.maxEntries() - 1)
                        + " (max_entries is " + map.maxEntries() + ")");
            }
            checkCpu(path, e.cpu());
            Integer before = cpus.putIfAbsent(e.cpu(), i);
            if (before != null) {
                throw new ConfigException(path, "CPU " + e.cpu() + " already has an entry (cpumap.entries[" + before + "])");
            }
        }
    }

    private void tap() {
        int needed = TapConfig.neededQueues(config);
        int queues = config.tap().queues();
        String why = " (" + config.rxWorkers().size() + " rx worker(s) + cpumap.max_entries "
                + config.cpumap().maxEntries() + ")";
        if (queues == 0 && needed > TapConfig.MAX_QUEUES) {
            throw new ConfigException("tap.queues", "auto would need " + needed + " queues" + why + ", more than "
                    + TapConfig.MAX_QUEUES);
        }
        if (queues != 0 && queues < needed) {
            throw new ConfigException("tap.queues", queues + " is fewer than the " + needed + " cpumapd needs" + why);
        }
        java.util.Map<String, Integer> names = new java.util.HashMap<>();
        for (int i = 0; i < config.ports().size(); i++) {
            String name = config.tapName(i);
            Integer before = names.putIfAbsent(name, i);
            if (before != null) {
                throw new ConfigException("ports[" + i + "].tap.name", "TAP name " + YamlNode.quote(name)
                        + " is already the TAP of ports[" + before + "] (" + config.ports().get(before).name()
                        + "): give one of them tap.name");
            }
        }
    }

    /** A hot thread pinned to a CPU outside the process's set would fail to pin: refused here, not at start. */
    private void checkCpu(String path, int cpu) {
        if (online == null) {
            return;
        }
        if (!online.get(cpu)) {
            throw new ConfigException(path, "CPU " + cpu + " is not online (online: " + cpuList(online) + ")");
        }
        if (usable != null && !usable.get(cpu)) {
            throw new ConfigException(path, "CPU " + cpu + " is not in this process's CPU set (allowed: "
                    + cpuList(usable) + "; narrowed by taskset, a cgroup cpuset or systemd's CPUAffinity=)");
        }
    }

    /** A CPU set in the kernel's list format, e.g. {@code 0-3,6}. */
    static String cpuList(BitSet cpus) {
        return Cpus.list(cpus);
    }
}
