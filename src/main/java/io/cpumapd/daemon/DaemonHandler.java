package io.cpumapd.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.control.ControlException;
import io.cpumapd.control.RequestHandler;
import io.cpumapd.control.Requests;
import io.cpumapd.config.CpuMapEntryConfig;
import io.cpumapd.config.MempoolBudget;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.CpuMapException;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.filter.FilterException;
import io.cpumapd.filter.Programs;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pipeline.Pipeline;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The daemon's side of the control protocol (docs/control-protocol.md). Runs on the control
 * connections' threads; cpumap changes go through {@link CpuMap}'s own lock, filter swaps through
 * {@link FilterState}'s, so the hot threads never see a lock.
 */
final class DaemonHandler implements RequestHandler {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final Daemon daemon;

    DaemonHandler(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public JsonNode handle(String cmd, ObjectNode request) throws ControlException {
        return daemon.request(() -> run(cmd, request));
    }

    private JsonNode run(String cmd, ObjectNode request) throws ControlException {
        Pipeline p = daemon.pipeline();
        return switch (cmd) {
            case "status" -> {
                Requests.expectOnly(request, "cmd");
                yield Snapshots.status(daemon);
            }
            case "stats" -> {
                Requests.expectOnly(request, "cmd");
                yield Snapshots.stats(p);
            }
            case "cpumap.show" -> {
                Requests.expectOnly(request, "cmd");
                yield Snapshots.cpumap(p);
            }
            case "cpumap.update" -> update(p, request);
            case "cpumap.delete" -> {
                Requests.expectOnly(request, "cmd", "cpu");
                int cpu = Requests.intMember(request, "cpu");
                boolean deleted = kernelCall(() -> p.delete(cpu));
                daemon.applied(cpu, null);
                daemon.filters().refreshTargets();
                yield JSON.objectNode().put("deleted", deleted);
            }
            case "filter.show" -> {
                Requests.expectOnly(request, "cmd");
                ObjectNode out = Snapshots.filter(daemon.filters());
                ObjectNode counters = out.putObject("counters");
                daemon.filters().counters().forEach(counters::put);
                yield out;
            }
            case "filter.set" -> {
                Requests.expectOnly(request, "cmd", "name", "params");
                String name = Requests.stringMember(request, "name");
                Map<String, String> params = Requests.stringMap(request, "params");
                try {
                    daemon.filters().set(name, daemon.filters().confined(params));
                } catch (FilterException e) {
                    throw new ControlException(ControlException.EFILTER, e.getMessage()
                            + " (the filter in place is unchanged: " + daemon.filters().name() + ")");
                }
                Log.info("filter", "swapped to " + daemon.filters().describe());
                yield Snapshots.filter(daemon.filters());
            }
            case "reload" -> {
                Requests.expectOnly(request, "cmd");
                yield daemon.reload();
            }
            default -> throw Requests.unsupported(cmd);
        };
    }

    private JsonNode update(Pipeline p, ObjectNode request) throws ControlException {
        Requests.expectOnly(request, "cmd", "cpu", "qsize", "prog", "params", "flags", "gro");
        int cpu = Requests.intMember(request, "cpu");
        int qsize = Requests.intMember(request, "qsize");
        String prog = Requests.optionalString(request, "prog").orElse("pass");
        Map<String, String> params = Requests.stringMap(request, "params");
        int flags = switch (Requests.optionalString(request, "flags").orElse("any").toLowerCase(Locale.ROOT)) {
            case "any" -> CpuMap.ANY;
            case "noexist" -> CpuMap.NOEXIST;
            case "exist" -> CpuMap.EXIST;
            default -> throw new ControlException(ControlException.EINVAL,
                    "flags must be any, noexist or exist, not " + request.get("flags"));
        };
        // Absent: the live entry's setting is kept (an update of qsize does not turn GRO back on).
        // A key outside the map is the update's own E2BIG, below.
        CpuMap.EntryInfo live = cpu >= 0 && cpu < p.map().maxEntries() ? p.map().lookup(cpu) : null;
        String askedGro = Requests.optionalString(request, "gro").orElse(null);
        boolean gro = askedGro == null ? (live == null ? CpuMap.DEFAULT_GRO : live.gro())
                : switch (askedGro.toLowerCase(Locale.ROOT)) {
                    case "on", "true" -> true;
                    case "off", "false" -> false;
                    default -> throw new ControlException(ControlException.EINVAL,
                            "gro must be on or off, not " + request.get("gro"));
                };
        PacketFilter program;
        int[] redirects;
        try {
            params = daemon.filters().confined(params);
            program = daemon.filters().program(prog, params);
            redirects = Programs.redirectTargets(prog, params, program);
        } catch (FilterException e) {
            throw new ControlException(ControlException.EFILTER, "program " + prog + ": " + e.getMessage());
        }
        checkBudget(p, cpu, qsize);
        CpuMapEntry entry = kernelCall(() -> p.map().update(cpu, qsize, program, flags, redirects, gro));
        daemon.applied(cpu, entry == null ? null : new CpuMapEntryConfig(cpu, qsize, prog, params, gro));
        daemon.filters().refreshTargets();
        ObjectNode out = JSON.objectNode();
        if (entry == null) {
            out.putNull("entry");
            Log.info("cpumap", "entry cpu " + cpu + " deleted (qsize 0)");
        } else {
            out.set("entry", Snapshots.entry(p.map().lookup(cpu)));
            Log.info("cpumap", "entry cpu " + cpu + " now qsize " + qsize + " program " + prog + " gro "
                    + (gro ? "on" : "off") + " (entry " + entry.id() + ")");
        }
        return out;
    }

    /** Ring slots the mempool cannot back would starve RX once the rings fill: refused before anything is built. */
    private void checkBudget(Pipeline p, int cpu, int qsize) throws ControlException {
        if (qsize <= 0 || qsize > CpuMap.MAX_QSIZE) {
            return; // a delete, or the cpumap's own EOVERFLOW
        }
        long rings = qsize;
        for (CpuMap.EntryInfo e : p.map().entries()) {
            if (e.cpu() != cpu) {
                rings += e.qsize();
            }
        }
        MempoolBudget budget = MempoolBudget.of(daemon.config(), rings);
        int mbufs = daemon.config().mempool().mbufs();
        if (!budget.fits(mbufs)) {
            throw new ControlException(ControlException.ENOMEM, "the mempool of " + mbufs
                    + " mbufs cannot back a ring of " + qsize + " slots next to the others (" + budget.explain() + ")");
        }
    }

    /** The cpumap's kernel-style errors travel with their errno name. */
    private static <T> T kernelCall(Supplier<T> call) throws ControlException {
        try {
            return call.get();
        } catch (CpuMapException e) {
            throw new ControlException(Errno.name(e.errno()), e.reason());
        }
    }
}
