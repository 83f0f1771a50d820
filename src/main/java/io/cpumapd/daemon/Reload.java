package io.cpumapd.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.config.Config;
import io.cpumapd.config.ConfigException;
import io.cpumapd.config.ConfigLoader;
import io.cpumapd.config.CpuMapConfig;
import io.cpumapd.config.CpuMapEntryConfig;
import io.cpumapd.config.DaemonConfig;
import io.cpumapd.config.MempoolBudget;
import io.cpumapd.control.ControlException;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.CpuMapException;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.filter.FilterException;
import io.cpumapd.filter.Programs;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pipeline.Pipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * A reload (SIGHUP, {@code cpumapd reload}): re-reads the configuration file and applies what can change
 * while packets flow: the filter and its parameters, the cpumap entries and their programs, the
 * {@code daemon} section (log level, stall time, stop timeout). Everything
 * is read, built and checked first (file, filter instances, programs, mempool budget, redirect cycles),
 * so a bad file changes nothing; keys that need a restart are named in one log line and left alone.
 */
final class Reload {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Daemon daemon;
    private final Pipeline pipeline;
    private final FilterState filters;
    private final Map<Integer, CpuMapEntryConfig> applied;

    Reload(Daemon daemon, Pipeline pipeline, FilterState filters, Map<Integer, CpuMapEntryConfig> applied) {
        this.daemon = daemon;
        this.pipeline = pipeline;
        this.filters = filters;
        this.applied = applied;
    }

    ObjectNode run(Path file) throws ControlException {
        Config old = daemon.config();
        Config fresh;
        try {
            fresh = ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw refused(file, ControlException.EINVAL, e.getMessage());
        }
        List<String> restart = restartOnly(old, fresh);
        int maxEntries = old.cpumap().maxEntries();

        // Build everything before changing anything.
        boolean filterChanged = !fresh.filter().name().equals(filters.name())
                || !fresh.filter().params().equals(filters.params());
        IntFunction<PacketFilter> filter = null;
        try {
            if (filterChanged) {
                filter = filters.prepare(fresh.filter().name(), fresh.filter().params());
            }
        } catch (FilterException e) {
            throw refused(file, ControlException.EFILTER, "filter: " + e.getMessage());
        }
        Map<Integer, CpuMapEntryConfig> want = new TreeMap<>();
        for (CpuMapEntryConfig e : fresh.cpumap().entries()) {
            if (e.cpu() >= maxEntries) {
                throw refused(file, ControlException.E2BIG, "cpumap entry " + e.cpu() + " is outside max_entries "
                        + maxEntries + " (max_entries needs a restart)");
            }
            want.put(e.cpu(), e);
        }
        Map<Integer, PacketFilter> programs = new LinkedHashMap<>();
        Map<Integer, int[]> redirects = new TreeMap<>();
        for (CpuMapEntryConfig e : want.values()) {
            CpuMapEntry live = pipeline.map().entry(e.cpu());
            PacketFilter program = live == null ? null : live.program();
            if (!e.equals(applied.get(e.cpu())) || live == null) {
                try {
                    program = filters.program(e.program(), e.params());
                    programs.put(e.cpu(), program);
                } catch (FilterException ex) {
                    throw refused(file, ControlException.EFILTER, "cpumap entry " + e.cpu() + ": program "
                            + e.program() + ": " + ex.getMessage());
                }
            }
            // The program as it will run: an acl program's rules name redirect keys of their own.
            redirects.put(e.cpu(), Programs.redirectTargets(e.program(), e.params(), program));
        }
        long rings = want.values().stream().mapToLong(CpuMapEntryConfig::qsize).sum();
        MempoolBudget budget = MempoolBudget.of(old, rings);
        if (!budget.fits(old.mempool().mbufs())) {
            throw refused(file, ControlException.ENOMEM, "the mempool of " + old.mempool().mbufs()
                    + " mbufs cannot back these entries (" + budget.explain() + ")");
        }
        List<Integer> order = sinksFirst(redirects, file);

        // Apply: filter, deletions, then updates with every target already in its final state.
        List<Integer> deleted = new ArrayList<>();
        List<Integer> updated = new ArrayList<>();
        if (filter != null) {
            filters.install(fresh.filter().name(), fresh.filter().params(), filter);
        }
        for (CpuMap.EntryInfo live : pipeline.map().entries()) {
            if (!want.containsKey(live.cpu())) {
                pipeline.delete(live.cpu());
                daemon.applied(live.cpu(), null);
                deleted.add(live.cpu());
            }
        }
        for (int cpu : order) {
            if (!programs.containsKey(cpu)) {
                continue;
            }
            CpuMapEntryConfig e = want.get(cpu);
            try {
                pipeline.map().update(cpu, e.qsize(), programs.get(cpu), CpuMap.ANY, redirects.get(cpu), e.gro());
            } catch (CpuMapException ex) {
                Log.info("reload", "cpumap entry " + cpu + ": " + ex.getMessage() + "; entries updated so far: " + updated);
                throw new ControlException(Errno.name(ex.errno()), "reload of " + file + ": cpumap entry " + cpu + ": "
                        + ex.reason() + " (applied before it: filter, deletions " + deleted + ", updates " + updated + ")");
            }
            daemon.applied(cpu, e);
            updated.add(cpu);
        }
        filters.refreshTargets();
        // The daemon section applies live: log level, stall time; the stop timeout is read when a stop begins.
        DaemonConfig was = old.daemon();
        DaemonConfig now = fresh.daemon();
        Logging.level(now.logLevel());
        pipeline.stallAfter(now.stallAfter());
        daemon.config(new Config(old.eal(), old.mempool(), old.ports(), old.rxWorkers(),
                old.filter().with(fresh.filter().name(), fresh.filter().params()),
                new CpuMapConfig(maxEntries, fresh.cpumap().entries()), old.consumer(), old.tap(), old.metrics(),
                old.control(), now));

        String what = "reloaded " + file + ": filter " + (filterChanged ? "now " + filters.describe() : "unchanged")
                + ", entries updated " + updated + ", deleted " + deleted
                + (was.equals(now) ? "" : ", daemon now log_level " + now.logLevel() + " stall_after_ms "
                        + now.stallAfterMs() + " stop_timeout_seconds " + now.stopTimeoutSeconds());
        Log.info("reload", what);
        if (!restart.isEmpty()) {
            Log.info("reload", "changed keys that need a restart, left as they are: " + String.join(", ", restart));
        }
        ObjectNode out = JSON.objectNode().put("file", file.toString()).put("filter_changed", filterChanged);
        out.set("filter", Snapshots.filter(filters));
        ArrayNode u = out.putArray("updated");
        updated.forEach(u::add);
        out.put("log_level", now.logLevel());
        ArrayNode d = out.putArray("deleted");
        deleted.forEach(d::add);
        ArrayNode r = out.putArray("restart_needed");
        restart.forEach(r::add);
        return out;
    }

    private static ControlException refused(Path file, String errno, String why) {
        Log.warn("reload", file + ": " + why + "; nothing changed");
        return new ControlException(errno, "reload of " + file + " refused, nothing changed: " + why);
    }

    /** The keys whose change needs a restart: everything but the filter's name and parameters and the entries. */
    static List<String> restartOnly(Config old, Config fresh) {
        List<String> keys = new ArrayList<>();
        diff(keys, "eal", old.eal(), fresh.eal());
        diff(keys, "mempool", old.mempool(), fresh.mempool());
        diff(keys, "ports", old.ports(), fresh.ports());
        diff(keys, "rx_workers", old.rxWorkers(), fresh.rxWorkers());
        diff(keys, "filter.plugin_dir", old.filter().pluginDir(), fresh.filter().pluginDir());
        diff(keys, "filter.rules_dir", old.filter().rulesDir(), fresh.filter().rulesDir());
        diff(keys, "cpumap.max_entries", old.cpumap().maxEntries(), fresh.cpumap().maxEntries());
        diff(keys, "consumer", old.consumer(), fresh.consumer());
        diff(keys, "tap", old.tap(), fresh.tap());
        diff(keys, "metrics", old.metrics(), fresh.metrics());
        diff(keys, "control", old.control(), fresh.control());
        return keys;
    }

    private static void diff(List<String> keys, String key, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            keys.add(key);
        }
    }

    /** Keys in an order where every redirect target comes before the entry redirecting to it; ELOOP on a cycle. */
    private static List<Integer> sinksFirst(Map<Integer, int[]> redirects, Path file) throws ControlException {
        List<Integer> order = new ArrayList<>();
        Map<Integer, Integer> state = new TreeMap<>(); // 1 visiting, 2 done
        for (int k : redirects.keySet()) {
            visit(k, redirects, state, order, new ArrayList<>(), file);
        }
        return order;
    }

    private static void visit(int k, Map<Integer, int[]> redirects, Map<Integer, Integer> state, List<Integer> order,
            List<Integer> path, Path file) throws ControlException {
        Integer s = state.get(k);
        if (s != null && s == 2) {
            return;
        }
        path.add(k);
        if (s != null) {
            throw refused(file, ControlException.ELOOP, "the entries' programs redirect in a cycle: "
                    + String.join(" -> ", path.subList(path.indexOf(k), path.size()).stream().map(String::valueOf).toList()));
        }
        state.put(k, 1);
        for (int t : redirects.getOrDefault(k, new int[0])) {
            if (redirects.containsKey(t)) {
                visit(t, redirects, state, order, path, file);
            }
        }
        path.removeLast();
        state.put(k, 2);
        order.add(k);
    }
}
