package io.cpumapd.daemon;

import io.cpumapd.config.FilterConfig;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.filter.CountedFilter;
import io.cpumapd.filter.FilterException;
import io.cpumapd.filter.Filters;
import io.cpumapd.filter.PluginLoader;
import io.cpumapd.filter.Programs;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pipeline.Pipeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The RX filter the daemon runs: its name and parameters, how often it was swapped, and the target
 * set it spreads over, which follows the live cpumap entries. Each RX worker gets an instance of its
 * own (filters may keep per-thread state); a swap builds all of them before installing any, so a
 * filter that fails to load leaves the old one in place.
 */
public final class FilterState {
    private final TargetSet targets = new TargetSet();
    private final PluginLoader plugins;
    private final Path rulesDir;
    private volatile Pipeline pipeline;
    private volatile String name;
    private volatile Map<String, String> params;
    private volatile long swaps;

    FilterState(FilterConfig config) {
        this.plugins = config.pluginDir() == null ? null : new PluginLoader(config.pluginDir());
        this.rulesDir = config.rulesDir();
        this.name = config.name();
        this.params = Map.copyOf(config.params());
    }

    /** One instance per worker of the configured filter; fails at start on an unknown name or bad params. */
    IntFunction<PacketFilter> initial() {
        return factory(name, params);
    }

    /**
     * Creates worker 0's instance at once, so that a name or parameter error fails before any worker
     * has a new filter, and the others on demand ({@link Pipeline} asks once per worker): a filter with
     * a large fixed table ({@code rate-limit}'s, up to 4M sources) is not built once more to be thrown away.
     */
    private IntFunction<PacketFilter> factory(String n, Map<String, String> p) {
        PacketFilter first = Filters.create(n, p, targets, plugins);
        return worker -> worker == 0 ? first : Filters.create(n, p, targets, plugins);
    }

    /**
     * The counters of the filter in place ({@link CountedFilter}), summed over the RX workers' instances,
     * in the filter's order; empty for a filter without counters.
     */
    public Map<String, Long> counters() {
        Map<String, Long> sums = new LinkedHashMap<>();
        Pipeline p = pipeline;
        if (p == null) {
            return sums;
        }
        for (int w = 0; w < p.workers().size(); w++) {
            if (p.filter(w) instanceof CountedFilter counted) {
                List<String> names = counted.counterNames();
                for (int i = 0; i < names.size(); i++) {
                    sums.merge(names.get(i), counted.counter(i), Long::sum);
                }
            }
        }
        return sums;
    }

    /** A second-stage program for a cpumap entry; {@code pass} is the consumer's built-in default (null). */
    PacketFilter program(String programName, Map<String, String> programParams) {
        if (programName == null || programName.equals("pass")) {
            return null;
        }
        return Programs.create(programName, programParams == null ? Map.of() : programParams, plugins);
    }

    void attach(Pipeline p) {
        this.pipeline = p;
        refreshTargets();
    }

    /**
     * Parameters that arrived over the control socket, with every file they name ({@code rules},
     * {@code then.rules}, ...) checked to lie in {@code filter.rules_dir} (symbolic links resolved) and
     * replaced by its real path: a client of the socket may not make the daemon read other files.
     */
    Map<String, String> confined(Map<String, String> requested) throws FilterException {
        Map<String, String> out = new LinkedHashMap<>(requested);
        for (Map.Entry<String, String> e : requested.entrySet()) {
            if (!FilterConfig.namesRuleFile(e.getKey())) {
                continue;
            }
            if (rulesDir == null) {
                throw new FilterException("parameter '" + e.getKey() + "': files may be named over the control socket"
                        + " only from filter.rules_dir, which the configuration does not set");
            }
            Path real;
            try {
                Path dir = rulesDir.toRealPath();
                real = dir.resolve(e.getValue()).normalize().toRealPath();
                if (!real.startsWith(dir) || real.equals(dir)) {
                    throw new FilterException("parameter '" + e.getKey() + "': " + e.getValue()
                            + " is not a file in filter.rules_dir (" + rulesDir + ")");
                }
            } catch (IOException ex) {
                throw new FilterException("parameter '" + e.getKey() + "': no file " + e.getValue() + " in filter.rules_dir ("
                        + rulesDir + ")");
            }
            out.put(e.getKey(), real.toString());
        }
        return out;
    }

    /** The target set follows the live entries, in key order. */
    synchronized void refreshTargets() {
        CpuMap map = pipeline.map();
        targets.set(map.entries().stream().mapToInt(CpuMap.EntryInfo::cpu).toArray());
    }

    /** {@code filter set}: builds one instance per worker, then swaps them in; on failure nothing changes. */
    synchronized void set(String newName, Map<String, String> newParams) throws FilterException {
        install(newName, newParams, prepare(newName, newParams));
    }

    /** Builds (the first instance of) a filter without installing it: a failure changes nothing. */
    IntFunction<PacketFilter> prepare(String newName, Map<String, String> newParams) throws FilterException {
        return factory(newName, newParams);
    }

    /** Installs what {@link #prepare} built. */
    synchronized void install(String newName, Map<String, String> newParams, IntFunction<PacketFilter> f) {
        pipeline.setFilter(f);
        name = newName;
        params = Map.copyOf(newParams);
        swaps++;
    }

    public String name() {
        return name;
    }

    public Map<String, String> params() {
        return new TreeMap<>(params);
    }

    public long swaps() {
        return swaps;
    }

    public int[] targets() {
        return targets.keys();
    }

    public String describe() {
        return name + (params.isEmpty() ? "" : " " + params()) + " over cpus " + java.util.Arrays.toString(targets());
    }
}
